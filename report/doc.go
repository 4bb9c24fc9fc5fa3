// Package report turns incident timelines into what people learn from:
// MTTD/MTTA/MTTM/MTTR summaries (for the CLI, the JSON API, Prometheus and
// CloudWatch), post-incident review drafts in Markdown, the weekly digest with
// its trend chart and schedule, and metric graphs for alarms.
//
// Metric definitions come from package incident (Timestamps.Duration): a
// missing timestamp makes an incident "missing" for that metric, never zero.
//
// Everything here is pure or takes its dependencies as arguments: time enters
// as a value (now, weekEnd) or as a Now func, AWS is reached through small
// interfaces with the SDK's exact method signatures (PutMetricDataAPI,
// GraphAPI), and the digest schedule stores its last run through a two-method
// interface. report imports only the standard library, incident, robfig/cron,
// gonum plot, the Prometheus client and the CloudWatch SDK types; it must not
// import store, bot, intake or dispatch.
package report

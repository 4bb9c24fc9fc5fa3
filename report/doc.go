// Package report turns incident timelines into what people learn from:
// MTTD/MTTA/MTTM/MTTR summaries (for the CLI, the JSON API, Prometheus and
// CloudWatch), post-incident review drafts in Markdown, the weekly digest with
// its trend chart and schedule, and metric graphs for alarms.
//
// Tell tells one timeline event as a sentence for people, marks the
// lifecycle's milestones (detected or declared, acknowledged, mitigated,
// resolved) and tocsin's bookkeeping (the channel, the pinned header,
// tocsin's notices, a runbook's intermediate progress); the dashboard and
// the review's timeline share it. Times in both are offsets from the start
// of impact to the second (Offset: T+3m25s). The review's timeline lists
// each runbook run once, at its request, with how and when it ended.
// People are named through the Names interface (nil or Nobody: ids).
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

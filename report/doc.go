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
// The weekly digest lists the week's incidents with links to the dashboard
// (DigestOptions.Dashboard, written in tocsin's <link:URL> notation that bot
// turns into Slack links) and ranks the noisiest alarms by their firings in
// incidents that led to no action. An incident led to action when someone
// acknowledged it and then a person marked it mitigated or a runbook a
// person asked for started (LedToAction); tocsin's own steps — a
// pre-approved diagnostic it ran, mitigation because every alarm recovered
// — are not action. An alarm whose every incident led to action is not
// ranked, however often it fired. Weekly summarises the weeks of a trend
// (the digest's and the dashboard's).
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

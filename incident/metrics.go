package incident

import "time"

// Metric names. Their definitions are used everywhere:
//
//	MTTD = DetectedAt − StartedAt      (time to detect)
//	MTTA = AcknowledgedAt − DetectedAt (time to acknowledge)
//	MTTM = MitigatedAt − StartedAt     (time to mitigate)
//	MTTR = ResolvedAt − StartedAt      (time to restore service)
const (
	MTTD = "MTTD"
	MTTA = "MTTA"
	MTTM = "MTTM"
	MTTR = "MTTR"
)

// MetricNames lists the four metrics in their usual order.
func MetricNames() []string { return []string{MTTD, MTTA, MTTM, MTTR} }

// Duration returns the named metric for this incident, and false when a
// timestamp it needs is missing (or the result would be negative, which only
// a bad correction produces). Missing is never reported as zero.
func (t Timestamps) Duration(metric string) (time.Duration, bool) {
	var from, to time.Time
	switch metric {
	case MTTD:
		from, to = t.StartedAt, t.DetectedAt
	case MTTA:
		from, to = t.DetectedAt, t.AcknowledgedAt
	case MTTM:
		from, to = t.StartedAt, t.MitigatedAt
	case MTTR:
		from, to = t.StartedAt, t.ResolvedAt
	default:
		return 0, false
	}
	if from.IsZero() || to.IsZero() || to.Before(from) {
		return 0, false
	}
	return to.Sub(from), true
}

package incident

import (
	"fmt"
	"strconv"
	"time"
)

// Replay rebuilds an incident from its whole timeline. It verifies the hash
// chain first, so a tampered timeline is an error, not a wrong incident.
func Replay(events []Event) (Incident, error) {
	if err := Verify(events); err != nil {
		return Incident{}, err
	}
	var inc Incident
	for _, e := range events {
		if err := inc.Apply(e); err != nil {
			return Incident{}, err
		}
	}
	return inc, nil
}

// Apply folds one event into the incident. The event must be the next in the
// chain; Apply does not re-check legality of transitions beyond that, because
// events record what happened (Transition decided whether it could).
func (inc *Incident) Apply(e Event) error {
	if e.Seq != inc.Events+1 || e.PrevHash != inc.LastHash {
		return fmt.Errorf("%w: event %d cannot follow event %d of %s", ErrTampered, e.Seq, inc.Events, inc.ID)
	}
	if e.Seq > 1 && e.Incident != inc.ID {
		return fmt.Errorf("%w: event of %s applied to %s", ErrInvalid, e.Incident, inc.ID)
	}
	if h, ok := handlers[e.Type]; ok {
		h(inc, e)
	}
	inc.Events = e.Seq
	inc.LastHash = e.Hash
	inc.UpdatedAt = e.At
	return nil
}

var handlers map[EventType]func(*Incident, Event)

func init() {
	handlers = map[EventType]func(*Incident, Event){
		EventOpened:       applyOpened,
		EventAlarm:        applyAlarm,
		EventRecovered:    func(inc *Incident, e Event) { inc.Recovered = true },
		EventAcknowledged: func(inc *Incident, e Event) { setStatus(inc, StatusAcknowledged, &inc.AcknowledgedAt, e.At) },
		EventMitigated:    func(inc *Incident, e Event) { setStatus(inc, StatusMitigated, &inc.MitigatedAt, e.At) },
		EventResolved:     func(inc *Incident, e Event) { setStatus(inc, StatusResolved, &inc.ResolvedAt, e.At) },
		EventClosed:       func(inc *Incident, e Event) { setStatus(inc, StatusClosed, &inc.ClosedAt, e.At) },
		EventReopened:     applyReopened,
		EventSeverity:     applySeverity,
		EventRole:         applyRole,
		EventTitle:        func(inc *Incident, e Event) { inc.Title = e.Data["title"] },
		EventCorrected:    applyCorrected,
		EventFollowup:     func(inc *Incident, e Event) { inc.Followups = append(inc.Followups, e.Text) },
		EventChannel: func(inc *Incident, e Event) {
			inc.Channel.ID, inc.Channel.Name = e.Data["channel_id"], e.Data["channel_name"]
		},
		EventHeader: func(inc *Incident, e Event) { inc.Channel.HeaderTS = e.Data["ts"] },
		EventAnnounced: func(inc *Incident, e Event) {
			inc.Channel.AnnounceChannel, inc.Channel.AnnounceTS = e.Data["channel"], e.Data["ts"]
		},
		EventChecklist:    applyChecklist,
		EventStatusUpdate: func(inc *Incident, e Event) { inc.LastUpdate = Update{Text: e.Text, By: e.Actor, At: e.At} },
		EventPaged:        applyPaged,
	}
}

func applyOpened(inc *Incident, e Event) {
	d := e.Data
	inc.ID = e.Incident
	inc.Title = d["title"]
	inc.Severity, _ = ParseSeverity(d["severity"])
	inc.Service = d["service"]
	inc.GroupKey = d["group_key"]
	inc.Source = d["source"]
	inc.Playbook = d["playbook"]
	inc.StartMethod = d["start_method"]
	inc.StartedAt = parseTime(d["started_at"], e.At)
	inc.DetectedAt = parseTime(d["detected_at"], e.At)
	inc.Status = StatusDeclared
	if inc.Source == "alarm" {
		inc.Status = StatusDetected
	}
	if rb := d["runbooks"]; rb != "" {
		inc.Extra = map[string]string{"runbooks": rb} // suggested runbooks, offered as buttons
	}
	if c := d["commander"]; c != "" {
		inc.Roles = map[Role]string{RoleCommander: c}
	}
	if d["alarm_arn"] != "" {
		applyAlarm(inc, e)
	}
}

func applyAlarm(inc *Incident, e Event) {
	d := e.Data
	st := State(d["state"])
	at := parseTime(d["changed_at"], e.At)
	a, ok := inc.Alarm(d["alarm_arn"])
	if !ok {
		inc.Alarms = append(inc.Alarms, LinkedAlarm{Name: d["alarm_name"], ARN: d["alarm_arn"], FirstAt: at})
		a = &inc.Alarms[len(inc.Alarms)-1]
	}
	if at.Before(a.ChangedAt) { // CloudWatch may deliver out of order: the newest state wins
		return
	}
	if st == StateAlarm && a.State == StateOK {
		a.Flaps++
	}
	if st == StateAlarm && a.State != StateAlarm {
		a.Alarms++
	}
	a.State, a.ChangedAt = st, at
	if st == StateAlarm {
		inc.Recovered = false
	}
}

// applyPaged opens or moves a Page. A trigger after a resolve opens it
// again (the paging service then makes a new alert).
func applyPaged(inc *Incident, e Event) {
	target, key, action := e.Data["target"], e.Data["dedup_key"], e.Data["action"]
	if target == "" || key == "" || action == "" {
		return
	}
	for i := range inc.Pages {
		if inc.Pages[i].Target == target && inc.Pages[i].DedupKey == key {
			inc.Pages[i].State = action // Clone copied the slice
			return
		}
	}
	if action == "trigger" {
		inc.Pages = append(inc.Pages, Page{Target: target, DedupKey: key, State: action})
	}
}

func applyChecklist(inc *Incident, e Event) {
	n, err := strconv.Atoi(e.Data["item"])
	if err != nil || n < 0 {
		return
	}
	if inc.Ticked == nil {
		inc.Ticked = map[int]bool{}
	}
	if e.Data["done"] == "true" {
		inc.Ticked[n] = true
	} else {
		delete(inc.Ticked, n)
	}
}

func applyReopened(inc *Incident, e Event) {
	inc.Status = StatusAcknowledged
	inc.Reopens++
	inc.MitigatedAt, inc.ResolvedAt, inc.ClosedAt = time.Time{}, time.Time{}, time.Time{}
	if inc.AcknowledgedAt.IsZero() {
		inc.AcknowledgedAt = e.At
	}
}

func applySeverity(inc *Incident, e Event) {
	if s, err := ParseSeverity(e.Data["severity"]); err == nil {
		inc.Severity = s
	}
}

func applyRole(inc *Incident, e Event) {
	if inc.Roles == nil {
		inc.Roles = map[Role]string{}
	}
	r := Role(e.Data["role"])
	if u := e.Data["user"]; u != "" {
		inc.Roles[r] = u
	} else {
		delete(inc.Roles, r)
	}
}

func applyCorrected(inc *Incident, e Event) {
	at, err := time.Parse(time.RFC3339Nano, e.Data["at"])
	if err != nil {
		return
	}
	if f := inc.timestamp(e.Data["field"]); f != nil {
		*f = at.UTC()
	}
	if e.Data["field"] == "started" {
		inc.StartMethod = "corrected by " + e.Actor
		if m := e.Data["method"]; m != "" { // a refinement by tocsin names how it was derived
			inc.StartMethod = m
		}
	}
}

// timestamp returns the lifecycle field named by a correction.
func (inc *Incident) timestamp(field string) *time.Time {
	switch field {
	case "started":
		return &inc.StartedAt
	case "detected":
		return &inc.DetectedAt
	case "acknowledged":
		return &inc.AcknowledgedAt
	case "mitigated":
		return &inc.MitigatedAt
	case "resolved":
		return &inc.ResolvedAt
	}
	return nil
}

// setStatus moves the status and records the first time it was reached since
// the last reopen: acknowledging twice keeps the first acknowledgement.
func setStatus(inc *Incident, s Status, field *time.Time, at time.Time) {
	inc.Status = s
	if field.IsZero() {
		*field = at
	}
}

func parseTime(s string, fallback time.Time) time.Time {
	if s == "" {
		return fallback
	}
	if t, err := time.Parse(time.RFC3339Nano, s); err == nil {
		return t.UTC()
	}
	if n, err := strconv.ParseInt(s, 10, 64); err == nil {
		return time.Unix(n, 0).UTC()
	}
	return fallback
}

// FormatTime is the encoding of times inside Event.Data.
func FormatTime(t time.Time) string { return t.UTC().Format(time.RFC3339Nano) }

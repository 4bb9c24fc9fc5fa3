// Package incident is tocsin's vocabulary: incidents, alarms, timeline events,
// severities, the lifecycle state machine and the arithmetic of MTTD, MTTA,
// MTTM and MTTR.
//
// It is pure: standard library only, no I/O, no logging and no clock. Every
// function that needs the time takes it as an argument. An incident's state is
// what its timeline says: Replay folds events into an Incident, and the
// decision helpers (Decide*, Transition) produce the events that a caller then
// appends through a Tx. Other packages import incident; it imports none of them.
package incident

import (
	"fmt"
	"maps"
	"slices"
	"sort"
	"strconv"
	"strings"
	"time"
)

// ID is an incident's sequential number, shown to people as INC-42.
type ID uint64

// String renders the id as people see it: INC-42.
func (id ID) String() string { return "INC-" + strconv.FormatUint(uint64(id), 10) }

// ParseID accepts "INC-42", "inc-42", "#42" or "42".
func ParseID(s string) (ID, error) {
	t := strings.TrimSpace(s)
	t = strings.TrimPrefix(t, "#")
	if len(t) > 4 && strings.EqualFold(t[:4], "INC-") {
		t = t[4:]
	}
	n, err := strconv.ParseUint(t, 10, 64)
	if err != nil || n == 0 {
		return 0, fmt.Errorf("%w: %q is not an incident id (expected INC-42)", ErrInvalid, s)
	}
	return ID(n), nil
}

// Severity runs from SEV1 (worst) to SEV4.
type Severity int

// The four severities.
const (
	SEV1 Severity = 1
	SEV2 Severity = 2
	SEV3 Severity = 3
	SEV4 Severity = 4
)

// String renders SEV1..SEV4, or "SEV?" for an unset value.
func (s Severity) String() string {
	if !s.Valid() {
		return "SEV?"
	}
	return "SEV" + strconv.Itoa(int(s))
}

// Valid reports whether s is one of SEV1..SEV4.
func (s Severity) Valid() bool { return s >= SEV1 && s <= SEV4 }

// ParseSeverity accepts "sev2", "SEV2" or "2".
func ParseSeverity(s string) (Severity, error) {
	t := strings.ToLower(strings.TrimSpace(s))
	t = strings.TrimPrefix(t, "sev")
	n, err := strconv.Atoi(t)
	if err != nil || !Severity(n).Valid() {
		return 0, fmt.Errorf("%w: severity %q must be one of sev1, sev2, sev3, sev4", ErrInvalid, s)
	}
	return Severity(n), nil
}

// Role is a responsibility during an incident.
type Role string

// The roles tocsin knows.
const (
	RoleCommander Role = "commander"
	RoleComms     Role = "comms"
	RoleScribe    Role = "scribe"
)

// ParseRole accepts commander, comms or scribe (any case; "ic" means commander).
func ParseRole(s string) (Role, error) {
	switch strings.ToLower(strings.TrimSpace(s)) {
	case "commander", "ic", "incident-commander":
		return RoleCommander, nil
	case "comms", "communications":
		return RoleComms, nil
	case "scribe":
		return RoleScribe, nil
	}
	return "", fmt.Errorf("%w: role %q must be one of commander, comms, scribe", ErrInvalid, s)
}

// Channel is the incident's Slack channel and its pinned header message.
type Channel struct {
	ID       string `json:"id,omitempty"`
	Name     string `json:"name,omitempty"`
	HeaderTS string `json:"header_ts,omitempty"`
	// The announcement in the announcements channel, kept up to date.
	AnnounceChannel string `json:"announce_channel,omitempty"`
	AnnounceTS      string `json:"announce_ts,omitempty"`
}

// LinkedAlarm is an alarm that joined an incident, with its latest state.
type LinkedAlarm struct {
	Name      string    `json:"name"`
	ARN       string    `json:"arn"`
	State     State     `json:"state"`
	ChangedAt time.Time `json:"changed_at"`
	FirstAt   time.Time `json:"first_at"`
	Alarms    int       `json:"alarms"` // times it went to ALARM while linked
	Flaps     int       `json:"flaps"`  // ALARM after OK while linked
}

// Incident is the current state of an incident: the fold of its timeline.
type Incident struct {
	ID          ID                `json:"id"`
	Title       string            `json:"title"`
	Severity    Severity          `json:"severity"`
	Status      Status            `json:"status"`
	Service     string            `json:"service,omitempty"`
	GroupKey    string            `json:"group_key,omitempty"`
	Source      string            `json:"source"` // "alarm" or "declared"
	Playbook    string            `json:"playbook,omitempty"`
	Roles       map[Role]string   `json:"roles,omitempty"`
	Alarms      []LinkedAlarm     `json:"alarms,omitempty"`
	Channel     Channel           `json:"channel"`
	StartMethod string            `json:"start_method,omitempty"`
	Recovered   bool              `json:"recovered,omitempty"` // every linked alarm is OK
	Followups   []string          `json:"followups,omitempty"`
	Ticked      map[int]bool      `json:"ticked,omitempty"`     // checklist items ticked, by index
	LastUpdate  Update            `json:"last_update,omitzero"` // the latest status update
	Reopens     int               `json:"reopens,omitempty"`
	Extra       map[string]string `json:"extra,omitempty"`
	// Pages are the alerts opened in paging services (EventPaged), in
	// the order they were first triggered.
	Pages []Page `json:"pages,omitempty"`
	Timestamps
	// Events is the number of events on the timeline; LastHash is the hash of
	// the newest one, which the next event must carry as its PrevHash.
	Events    int       `json:"events"`
	LastHash  string    `json:"last_hash"`
	UpdatedAt time.Time `json:"updated_at"`
}

// Page is an alert a paging service keeps for the incident: where it went
// (the page target, e.g. pagerduty:PD_KEY) and its dedup key, with what the
// service was last told (trigger, acknowledge or resolve).
type Page struct {
	Target   string `json:"target"`
	DedupKey string `json:"dedup_key"`
	State    string `json:"state"`
}

// Page returns the page of a target and dedup key.
func (inc *Incident) Page(target, dedupKey string) (Page, bool) {
	for _, p := range inc.Pages {
		if p.Target == target && p.DedupKey == dedupKey {
			return p, true
		}
	}
	return Page{}, false
}

// Update is a status update for stakeholders: what was said, by whom, when.
type Update struct {
	Text string    `json:"text"`
	By   string    `json:"by"`
	At   time.Time `json:"at"`
}

// Timestamps are the lifecycle moments the metrics are computed from. A zero
// value means "not known", never "zero seconds".
type Timestamps struct {
	StartedAt      time.Time `json:"started_at,omitzero"`
	DetectedAt     time.Time `json:"detected_at,omitzero"`
	AcknowledgedAt time.Time `json:"acknowledged_at,omitzero"`
	MitigatedAt    time.Time `json:"mitigated_at,omitzero"`
	ResolvedAt     time.Time `json:"resolved_at,omitzero"`
	ClosedAt       time.Time `json:"closed_at,omitzero"`
}

// Open reports whether people are (or should be) working on the incident.
func (inc *Incident) Open() bool {
	return inc.Status != StatusResolved && inc.Status != StatusClosed
}

// Firing returns the linked alarms currently in ALARM, in the order they joined.
func (inc *Incident) Firing() []LinkedAlarm {
	var out []LinkedAlarm
	for _, a := range inc.Alarms {
		if a.State == StateAlarm {
			out = append(out, a)
		}
	}
	return out
}

// FiringCount is len(Firing()) without building the list.
func (inc *Incident) FiringCount() int {
	n := 0
	for i := range inc.Alarms {
		if inc.Alarms[i].State == StateAlarm {
			n++
		}
	}
	return n
}

// Alarm returns the linked alarm with the given ARN.
func (inc *Incident) Alarm(arn string) (*LinkedAlarm, bool) {
	for i := range inc.Alarms {
		if inc.Alarms[i].ARN == arn {
			return &inc.Alarms[i], true
		}
	}
	return nil, false
}

// RoleHolder returns who holds role r, or "".
func (inc *Incident) RoleHolder(r Role) string { return inc.Roles[r] }

// SortedRoles returns the assigned roles in a stable order.
func (inc *Incident) SortedRoles() []Role {
	out := make([]Role, 0, len(inc.Roles))
	for r := range inc.Roles {
		out = append(out, r)
	}
	sort.Slice(out, func(i, j int) bool { return out[i] < out[j] })
	return out
}

// Clone copies an incident deeply enough that folding events into the copy
// never changes the original (the stores share incidents with their caches
// and fold copy-on-write).
func (inc Incident) Clone() Incident {
	inc.Roles = maps.Clone(inc.Roles)
	inc.Extra = maps.Clone(inc.Extra)
	inc.Alarms = slices.Clone(inc.Alarms)
	inc.Followups = slices.Clone(inc.Followups)
	inc.Pages = slices.Clone(inc.Pages)
	return inc
}

package playbooks

import (
	"time"

	"github.com/tocsin-dev/tocsin/incident"
)

// Playbook maps the alarms it matches to an owner, a severity, a grouping
// and an investigation guide. Playbooks returned by a Set are shared and
// must not be modified.
type Playbook struct {
	// Name is unique in a Set; a directory playbook with a built-in's name
	// replaces it.
	Name        string `yaml:"name"`
	Description string `yaml:"description"`
	// Match says which alarms the playbook is for; an empty Match matches
	// every alarm with the lowest specificity.
	Match Match `yaml:"match"`
	// ServiceTemplate names the affected service: a literal or a template
	// of {{tag:NAME}}, {{dimension:NAME}}, {{alarm}}, {{account}} and
	// {{region}} (see Service).
	ServiceTemplate string `yaml:"service"`
	// GroupBy is "alarm" (the default), "service" or "dimension:NAME".
	GroupBy        string         `yaml:"group_by"`
	SeverityPolicy SeverityPolicy `yaml:"severity"`
	// Owner is the Slack user group (S…) or user (U…/W…) that owns the
	// alarms; it is notified and invited.
	Owner string `yaml:"owner"`
	// Responders are further users or groups to invite.
	Responders []string `yaml:"responders"`
	// Escalation runs while the incident is unacknowledged, in order.
	Escalation []Step   `yaml:"escalation"`
	Checklist  []string `yaml:"checklist"`
	Runbooks   []string `yaml:"runbooks"` // suggested runbook names
	Graphs     []Graph  `yaml:"graphs"`   // empty: the alarm's own metrics
	Links      []Link   `yaml:"links"`
	Source     string   `yaml:"-"` // the file it was read from
}

// Match constrains the alarms a playbook applies to. Every given field must
// match; an omitted field matches anything. Values are globs with path.Match
// semantics (case-sensitive; "*" does not cross "/").
type Match struct {
	AlarmNames Patterns          `yaml:"alarm_names"`
	Namespace  Patterns          `yaml:"namespace"`
	MetricName Patterns          `yaml:"metric_name"`
	Dimensions map[string]string `yaml:"dimensions"` // dimension name -> glob
	Accounts   Patterns          `yaml:"accounts"`
	Regions    Patterns          `yaml:"regions"`
	Tags       map[string]string `yaml:"tags"` // the alarm's own tag -> glob
}

// Patterns is a list of globs, any of which may match. In YAML it is one
// string or a list of strings.
type Patterns []string

// SeverityPolicy is a default severity raised by rules on how many alarms of
// the group are firing.
type SeverityPolicy struct {
	Default incident.Severity `yaml:"default"` // SEV3 when omitted
	Rules   []SeverityRule    `yaml:"rules"`
}

// SeverityRule raises the severity to Then when at least IfFiringAtLeast
// alarms of the group are in ALARM.
type SeverityRule struct {
	IfFiringAtLeast int               `yaml:"if_firing_at_least"`
	Then            incident.Severity `yaml:"then"`
}

// Step is one escalation step, taken when the incident has gone After
// without acknowledgement.
type Step struct {
	After  time.Duration `yaml:"after"`
	Notify []string      `yaml:"notify"` // mention in the incident channel
	Invite []string      `yaml:"invite"` // add to the incident channel
	Page   PageTarget    `yaml:"page"`   // see PageTarget
}

// Graph is a CloudWatch metric to chart in the incident channel.
type Graph struct {
	Title     string `yaml:"title"`
	Namespace string `yaml:"namespace"`
	Metric    string `yaml:"metric"`
	Stat      string `yaml:"stat"`   // Average when omitted
	Period    int    `yaml:"period"` // seconds; the alarm's period when omitted
	// Dimensions are fixed dimension values; with DimensionsFromAlarm the
	// alarm's own dimensions are used and these override them.
	Dimensions          map[string]string `yaml:"dimensions"`
	DimensionsFromAlarm bool              `yaml:"dimensions_from_alarm"`
}

// Link is a titled URL shown with the incident. Both may use the service
// template placeholders; values are escaped in the URL.
type Link struct {
	Title string `yaml:"title"`
	URL   string `yaml:"url"`
}

// DueStep is an escalation step's index in Playbook.Escalation and the
// absolute time it falls due.
type DueStep struct {
	Index int
	At    time.Time
}

// DefaultName is the playbook that covers alarms no other playbook matches.
const DefaultName = "default"

// unknownService is the service of an alarm whose template cannot be filled.
const unknownService = "unknown"

package dispatch

import (
	"time"

	"github.com/tocsin-dev/tocsin/incident"
)

// Kind names a command a responder gives (from Slack, the CLI or the demo).
type Kind string

// The commands. Their arguments live in the Command fields named beside them.
const (
	Declare       Kind = "declare"        // Text (title), Severity, Service
	Ack           Kind = "ack"            //
	StatusUpdate  Kind = "status"         // Text, Broadcast
	SetSeverity   Kind = "sev"            // Severity
	AssignRole    Kind = "role"           // Role, User
	Note          Kind = "note"           // Text, Data (message_ts, files, permalink)
	Started       Kind = "started"        // At
	Mitigated     Kind = "mitigated"      //
	Resolve       Kind = "resolve"        // Text (summary)
	Close         Kind = "close"          //
	Reopen        Kind = "reopen"         // Text (reason)
	Timeline      Kind = "timeline"       // (read only)
	RunbookReq    Kind = "runbook"        // Runbook, Args
	RunbookCancel Kind = "runbook-cancel" // RunID
	Approve       Kind = "approve"        // RunID (from a button; Actor is the verified clicker)
	Deny          Kind = "deny"           // RunID
	Followup      Kind = "followup"       // Text
	Review        Kind = "review"         // (posts the draft)
	List          Kind = "list"           // (read only)
	Metrics       Kind = "metrics"        // Window
	Graph         Kind = "graph"          // (posts the graph again)
	Checklist     Kind = "checklist"      // Item (index), Done
	Help          Kind = "help"           // (answered by the caller)
	Page          Kind = "page"           // Target, User (Data user_name), Text (message)
	// On-call rotations (oncall.go): who is on call, and taking a shift.
	OnCall         Kind = "oncall"          // Text (the rotation; "" for all)
	OnCallOverride Kind = "oncall-override" // User (takes the shift), Window (for how long, from now), Text (the rotation; "" when there is one)
)

// Command is one request from a person. Incident is zero when the command
// was given in an incident's channel (Channel then finds it) or opens one.
type Command struct {
	Kind      Kind
	Incident  incident.ID
	Channel   string // the Slack channel it was given in, if any
	Actor     string // verified Slack user id (never taken from message text)
	Text      string
	Severity  incident.Severity
	Service   string
	Role      incident.Role
	User      string
	Target    string // a page target as typed (page)
	At        time.Time
	Broadcast bool
	Runbook   string
	Args      map[string]string
	RunID     string
	Window    time.Duration
	Item      int
	Done      bool
	Data      map[string]string
	// Key makes the command idempotent (a Slack trigger_id or action_ts):
	// a command with a key already seen changes nothing.
	Key string
}

// Result is what a command did, for the caller to show the person who gave it.
type Result struct {
	Incident incident.Incident
	Message  string           // a plain sentence for the requester
	Events   []incident.Event // for timeline
	List     []incident.Incident
	// Public: the message may be shown in the channel the command was given
	// in, not only to the requester. Results whose message is also posted in
	// the incident channel are not Public, so that nobody reads it twice.
	Public bool
	// Posted: the message is also posted in the incident channel, so a
	// requester who gave the command there need not be told it again.
	Posted bool
}

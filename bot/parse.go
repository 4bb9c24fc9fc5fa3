package bot

import (
	"errors"
	"fmt"
	"strings"
	"time"

	"github.com/tocsin-dev/tocsin/dispatch"
	"github.com/tocsin-dev/tocsin/incident"
)

// usageError is /incident text that could not be understood. Its message
// says what was wrong and then shows the usage of the subcommand (or the
// whole help when the subcommand itself is unknown). It wraps
// incident.ErrInvalid.
type usageError struct {
	Problem string
	Usage   string
}

// Error says what was wrong, then shows the usage.
func (e *usageError) Error() string { return e.Problem + "\nUsage: " + e.Usage }

// Unwrap makes errors.Is(err, incident.ErrInvalid) true.
func (e *usageError) Unwrap() error { return incident.ErrInvalid }

// subcommand is one verb of /incident: its usage line, what it does (for the
// help text) and how its arguments are read.
type subcommand struct {
	name  string
	usage string
	about string
	parse func(cmd *dispatch.Command, args string, now time.Time) error
}

// subcommands is in the order the help text lists them.
var subcommands = []subcommand{
	{"declare", "declare <title> [sev1..sev4] [service=<name>]", "open an incident and its channel", parseDeclare},
	{"ack", "ack", "acknowledge: you are on it", noArgs(dispatch.Ack)},
	{"status", "status [<text> [--broadcast]]", "post a status update (--broadcast also announces it); with no text, show the current status", parseStatus},
	{"sev", "sev <1-4|sev1..sev4>", "change the severity", parseSev},
	{"role", "role <commander|comms|scribe> <@person>", "give someone a role", parseRole},
	{"note", "note <text>", "add a note to the timeline", textArg(dispatch.Note, true)},
	{"started", "started <2024-05-01T14:05:00Z|14:05|-15m>", "correct when the impact started (UTC)", parseStarted},
	{"mitigated", "mitigated", "the impact has stopped", noArgs(dispatch.Mitigated)},
	{"resolve", "resolve [summary]", "resolve the incident", textArg(dispatch.Resolve, false)},
	{"close", "close", "close a resolved incident", noArgs(dispatch.Close)},
	{"reopen", "reopen [reason]", "reopen a resolved or closed incident", textArg(dispatch.Reopen, false)},
	{"timeline", "timeline", "show the timeline", noArgs(dispatch.Timeline)},
	{"runbook", "runbook <name> [key=value ...] | runbook cancel <run-id>", "run a runbook, or cancel a run", parseRunbook},
	{"followup", "followup <text>", "add an action item for the review", textArg(dispatch.Followup, true)},
	{"review", "review", "post the post-incident review draft", noArgs(dispatch.Review)},
	{"list", "list", "list open incidents", noArgs(dispatch.List)},
	{"metrics", "metrics [7d|30d|90d]", "MTTD, MTTA, MTTM and MTTR (default 30d)", parseMetrics},
	{"graph", "graph", "post the alarm's graph again", noArgs(dispatch.Graph)},
	{"page", "page [pagerduty|pagerduty:ENV_NAME|@person|<service>] [message]", "page now (outside an incident channel it declares one first)", parsePage},
	{"oncall", "oncall [rotation] | oncall override <@person> <4h|30m|2d> [rotation]", "who is on call now and next; give someone the shift from now on", parseOncall},
	{"help", "help", "show this help", noArgs(dispatch.Help)},
}

// Limits on what a person may type, well inside Slack's own.
const (
	maxTitle = 150
	maxText  = 3000
)

// parseCommand reads the text of an /incident command. An optional leading
// incident id (INC-42) addresses an incident from outside its channel. now
// resolves relative times ("started -15m", "started 14:05"). Errors are
// *UsageError.
func parseCommand(text string, now time.Time) (dispatch.Command, error) {
	var cmd dispatch.Command
	word, rest := nextWord(text)
	if isIncidentRef(word) {
		id, err := incident.ParseID(word)
		if err != nil {
			return dispatch.Command{}, &usageError{Problem: fmt.Sprintf("%q is not an incident id (expected INC-42)", word), Usage: Usage()}
		}
		cmd.Incident = id
		word, rest = nextWord(rest)
	}
	if word == "" {
		cmd.Kind = dispatch.Help
		return cmd, nil
	}
	sc, ok := lookupSubcommand(word)
	if !ok {
		return dispatch.Command{}, &usageError{Problem: fmt.Sprintf("unknown subcommand %q", truncate(word, 40)), Usage: Usage()}
	}
	if err := sc.parse(&cmd, rest, now.UTC()); err != nil {
		return dispatch.Command{}, &usageError{Problem: err.Error(), Usage: "/incident " + sc.usage}
	}
	if cmd.Kind == dispatch.Declare && cmd.Incident != 0 {
		return dispatch.Command{}, &usageError{Problem: "declare opens a new incident; leave out the incident id", Usage: "/incident " + sc.usage}
	}
	return cmd, nil
}

// Usage returns the help text of /incident.
func Usage() string {
	var b strings.Builder
	b.WriteString("/incident [INC-42] <subcommand> ...  (INC-42 is only needed outside the incident's channel)\n")
	for _, sc := range subcommands {
		fmt.Fprintf(&b, "  /incident %s — %s\n", sc.usage, sc.about)
	}
	return strings.TrimSuffix(b.String(), "\n")
}

func lookupSubcommand(word string) (subcommand, bool) {
	w := strings.ToLower(word)
	for _, sc := range subcommands {
		if sc.name == w {
			return sc, true
		}
	}
	return subcommand{}, false
}

// isIncidentRef reports whether a word looks meant as an incident id.
func isIncidentRef(w string) bool {
	return strings.HasPrefix(w, "#") || (len(w) >= 4 && strings.EqualFold(w[:4], "INC-"))
}

func noArgs(k dispatch.Kind) func(*dispatch.Command, string, time.Time) error {
	return func(cmd *dispatch.Command, args string, _ time.Time) error {
		if strings.TrimSpace(args) != "" {
			return fmt.Errorf("%s takes no arguments", k)
		}
		cmd.Kind = k
		return nil
	}
}

// textArg reads the rest of the line as free text.
func textArg(k dispatch.Kind, required bool) func(*dispatch.Command, string, time.Time) error {
	return func(cmd *dispatch.Command, args string, _ time.Time) error {
		t, err := freeText(args, required, maxText)
		if err != nil {
			return err
		}
		cmd.Kind, cmd.Text = k, t
		return nil
	}
}

// freeText turns Slack's escaped text into plain text and checks its length.
func freeText(args string, required bool, limit int) (string, error) {
	t := strings.TrimSpace(plainText(args))
	switch {
	case required && t == "":
		return "", errors.New("the text is missing")
	case len([]rune(t)) > limit:
		return "", fmt.Errorf("the text is longer than %d characters", limit)
	}
	return t, nil
}

func parseDeclare(cmd *dispatch.Command, args string, _ time.Time) error {
	var title []string
	for _, tok := range fields(args) {
		low := strings.ToLower(tok)
		switch {
		case isSevWord(low):
			if cmd.Severity != 0 {
				return errors.New("give the severity once")
			}
			sev, err := incident.ParseSeverity(low)
			if err != nil {
				return fmt.Errorf("severity %q must be one of sev1, sev2, sev3, sev4", truncate(tok, 20))
			}
			cmd.Severity = sev
		case strings.HasPrefix(low, "service="):
			svc := tok[len("service="):]
			if !validName(svc) {
				return fmt.Errorf("service %q must be letters, digits, '.', '_' or '-'", truncate(svc, 40))
			}
			cmd.Service = svc
		default:
			title = append(title, tok)
		}
	}
	t, err := freeText(strings.Join(title, " "), true, maxTitle)
	if err != nil {
		return fmt.Errorf("title: %w", err)
	}
	cmd.Kind, cmd.Text = dispatch.Declare, t
	return nil
}

// isSevWord reports whether a lower-case word is meant as a severity: sev
// followed by digits.
func isSevWord(w string) bool {
	d, ok := strings.CutPrefix(w, "sev")
	return ok && d != "" && strings.Trim(d, "0123456789") == ""
}

func parseStatus(cmd *dispatch.Command, args string, _ time.Time) error {
	var words []string
	for _, tok := range fields(args) {
		if strings.EqualFold(tok, "--broadcast") {
			cmd.Broadcast = true
			continue
		}
		words = append(words, tok)
	}
	t, err := freeText(strings.Join(words, " "), cmd.Broadcast, maxText)
	if err != nil {
		return err
	}
	cmd.Kind, cmd.Text = dispatch.StatusUpdate, t
	return nil
}

func parseSev(cmd *dispatch.Command, args string, _ time.Time) error {
	f := fields(args)
	if len(f) != 1 {
		return errors.New("give exactly one severity")
	}
	sev, err := incident.ParseSeverity(f[0])
	if err != nil {
		return fmt.Errorf("severity %q must be 1, 2, 3 or 4 (or sev1..sev4)", truncate(f[0], 20))
	}
	cmd.Kind, cmd.Severity = dispatch.SetSeverity, sev
	return nil
}

func parseRole(cmd *dispatch.Command, args string, _ time.Time) error {
	f := fields(args)
	if len(f) != 2 {
		return errors.New("give a role and a person")
	}
	role, err := incident.ParseRole(f[0])
	if err != nil {
		return fmt.Errorf("role %q must be commander, comms or scribe", truncate(f[0], 20))
	}
	user, ok := mentionedUser(f[1])
	if !ok {
		return fmt.Errorf("%q is not a person; @-mention them", truncate(plainText(f[1]), 40))
	}
	cmd.Kind, cmd.Role, cmd.User = dispatch.AssignRole, role, user
	return nil
}

func parseMetrics(cmd *dispatch.Command, args string, _ time.Time) error {
	f := fields(args)
	windows := map[string]time.Duration{"7d": 7 * 24 * time.Hour, "30d": 30 * 24 * time.Hour, "90d": 90 * 24 * time.Hour}
	cmd.Kind, cmd.Window = dispatch.Metrics, windows["30d"]
	switch {
	case len(f) > 1:
		return errors.New("give at most one window")
	case len(f) == 1:
		w, ok := windows[strings.ToLower(f[0])]
		if !ok {
			return fmt.Errorf("window %q must be 7d, 30d or 90d", truncate(f[0], 20))
		}
		cmd.Window = w
	}
	return nil
}

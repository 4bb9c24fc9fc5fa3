package dispatch

import (
	"context"
	"fmt"
	"strings"

	"github.com/tocsin-dev/tocsin/incident"
)

// Do carries out one command from a person. The Actor must be a verified
// identity. User mistakes (a bad argument, an illegal transition) come back
// as errors wrapping incident.ErrInvalid or incident.ErrIllegalTransition,
// with text fit to show; nothing is changed by a refused command. A command
// the access policy refuses (Config.Access) comes back as a Result saying
// which rule refused it; one it could not check, as ErrAccessUnavailable.
func (e *Engine) Do(ctx context.Context, cmd Command) (Result, error) {
	if res, refused, err := e.authorize(ctx, cmd); refused {
		return res, err
	}
	switch cmd.Kind {
	case Declare:
		return e.declare(ctx, cmd)
	case List:
		return e.list(ctx)
	case Metrics:
		return e.metrics(ctx, cmd)
	case Review:
		return e.review(ctx, cmd)
	case Page:
		return e.page(ctx, cmd)
	case OnCall:
		return e.onCall(ctx, cmd)
	case OnCallOverride:
		return e.takeShift(ctx, cmd)
	case Help:
		return Result{}, fmt.Errorf("%w: help is answered by the chat front end", incident.ErrInvalid)
	}
	if cmd.Kind == Approve || cmd.Kind == Deny {
		ctx = context.WithValue(ctx, groupsKey{}, e.approverGroups(ctx, cmd))
	}
	h, ok := incidentCommands[cmd.Kind]
	if !ok {
		return Result{}, fmt.Errorf("%w: unknown command %q", incident.ErrInvalid, cmd.Kind)
	}
	var res Result
	err := e.update(ctx, func(tx incident.Tx) error {
		res = Result{}
		inc, err := e.target(tx, cmd)
		if err != nil {
			return err
		}
		if first, err := e.firstTime(tx, cmdKey(cmd)); err != nil || !first {
			res = Result{Incident: inc, Message: "Already done."}
			return err
		}
		res, err = h(e, ctx, tx, inc, cmd)
		return err
	})
	return res, err
}

// groupsKey carries the approver's Slack groups, resolved by the engine
// before the transaction (never supplied by a caller).
type groupsKey struct{}

func groupsOf(ctx context.Context) []string {
	g, _ := ctx.Value(groupsKey{}).([]string)
	return g
}

// cmdKey is a command's idempotency key, or "" when it has none.
func cmdKey(cmd Command) string {
	if cmd.Key == "" {
		return ""
	}
	return "cmd:" + cmd.Key
}

type handler func(e *Engine, ctx context.Context, tx incident.Tx, inc incident.Incident, cmd Command) (Result, error)

var incidentCommands map[Kind]handler

func init() {
	incidentCommands = map[Kind]handler{
		Ack:           (*Engine).ack,
		Mitigated:     transition(incident.StatusMitigated, "mitigated"),
		Resolve:       transition(incident.StatusResolved, "resolved"),
		Close:         transition(incident.StatusClosed, "closed"),
		Reopen:        transition(incident.StatusAcknowledged, "reopened"),
		StatusUpdate:  (*Engine).statusUpdate,
		SetSeverity:   (*Engine).severity,
		AssignRole:    (*Engine).role,
		Note:          (*Engine).note,
		Started:       (*Engine).started,
		Followup:      (*Engine).followup,
		Timeline:      (*Engine).timeline,
		Graph:         (*Engine).graph,
		Checklist:     (*Engine).checklist,
		RunbookReq:    (*Engine).requestRunbook,
		Approve:       (*Engine).approve,
		Deny:          (*Engine).deny,
		RunbookCancel: (*Engine).cancelRun,
	}
}

// target finds the incident a command is about: the id it names, or the
// incident whose channel it was typed in.
func (e *Engine) target(tx incident.Tx, cmd Command) (incident.Incident, error) {
	id := cmd.Incident
	if id == 0 && cmd.Channel != "" {
		found, ok, err := tx.ByChannel(cmd.Channel)
		if err != nil {
			return incident.Incident{}, err
		}
		if ok {
			id = found
		}
	}
	if id == 0 {
		return incident.Incident{}, fmt.Errorf("%w: this is not an incident channel; name the incident, for example `/incident INC-42 %s`", incident.ErrInvalid, cmd.Kind)
	}
	inc, err := tx.Incident(id)
	if err != nil {
		return inc, fmt.Errorf("%w: there is no incident %s", incident.ErrInvalid, id)
	}
	return inc, nil
}

// record appends events, refreshes the header and returns the new state.
func (e *Engine) record(tx incident.Tx, id incident.ID, evs ...incident.Event) (incident.Incident, error) {
	inc, err := tx.Append(id, evs...)
	if err != nil {
		return inc, err
	}
	return inc, refresh(tx, id)
}

func (e *Engine) event(t incident.EventType, cmd Command, text string, data map[string]string) incident.Event {
	return incident.Event{Type: t, At: e.cfg.Now(), Actor: cmd.Actor, Text: text, Data: data}
}

func (e *Engine) list(ctx context.Context) (Result, error) {
	if e.cfg.Lister == nil {
		return Result{}, fmt.Errorf("list incidents: no lister configured")
	}
	incs, err := e.cfg.Lister.Incidents(ctx, true)
	if err != nil {
		return Result{}, err
	}
	var b strings.Builder
	if len(incs) == 0 {
		b.WriteString("No open incidents.")
	}
	for _, inc := range incs {
		fmt.Fprintf(&b, "%s %s %s — %s\n", inc.ID, inc.Severity, inc.Status, inc.Title)
	}
	return Result{List: incs, Message: strings.TrimSpace(b.String())}, nil
}

func (e *Engine) metrics(ctx context.Context, cmd Command) (Result, error) {
	if e.cfg.Metrics == nil {
		return Result{}, fmt.Errorf("metrics: no reporter configured")
	}
	text, err := e.cfg.Metrics(ctx, cmd.Window)
	return Result{Message: text}, err
}

package dispatch

import (
	"context"
	"fmt"
	"strconv"
	"time"

	"github.com/tocsin-dev/tocsin/incident"
	"github.com/tocsin-dev/tocsin/runbooks"
)

// RunExecutor performs the SSM side of runbook runs (ssm.start, ssm.poll,
// ssm.cancel) and approval expiry. The run's state is read from the
// timeline each time, so a restart resumes exactly where the events say.
type RunExecutor struct {
	Engine *Engine
	SSM    *runbooks.Executor // nil: runs are refused with a clear reason
}

// Execute performs one run effect.
func (x *RunExecutor) Execute(ctx context.Context, eff incident.Effect, inc incident.Incident) (Outcome, error) {
	var r *runbooks.Run
	var decided incident.Effect // for an expiry: the request shows it expired
	now := x.Engine.cfg.Now()
	err := x.Engine.cfg.Store.View(func(tx incident.Tx) error {
		var err error
		if r, err = x.Engine.run(tx, inc.ID, eff.Data["run"]); err != nil || eff.Kind != EffApprovalExpiry {
			return err
		}
		decided, err = decidedEffect(tx, inc.ID, r.ID, "expired", "", now)
		return err
	})
	if err != nil {
		return Outcome{}, fmt.Errorf("%w: %v", ErrPermanent, err)
	}
	switch eff.Kind {
	case EffApprovalExpiry:
		if r.Status != runbooks.RunAwaitingApproval {
			return Outcome{}, nil
		}
		return Outcome{Events: []incident.Event{runbooks.ExpiredEvent(r.ID, r.Runbook, now)},
			Then: []incident.Effect{postEffect(fmt.Sprintf(":hourglass: The request to run %s (run %s) expired without enough approvals. Nothing was run.", r.Runbook, r.ID)), decided}}, nil
	case EffSSMStart:
		return x.start(ctx, r)
	case EffSSMPoll:
		return x.poll(ctx, r, eff)
	case EffSSMCancel:
		if x.SSM == nil || r.CommandID+r.ExecutionID == "" {
			return Outcome{}, nil
		}
		return Outcome{}, x.classify(x.SSM.Cancel(ctx, r.Started()))
	}
	return Outcome{}, fmt.Errorf("%w: unknown run effect %s", ErrPermanent, eff.Kind)
}

func postEffect(text string) incident.Effect {
	return incident.Effect{Kind: EffSlackPost, Ordered: true, Data: map[string]string{"text": text}}
}

// start sends the approved plan to SSM. The executor finds a command an
// earlier attempt already sent (by the run's marker) before sending, and
// automations carry a client token, so a crash after sending never sends
// twice.
func (x *RunExecutor) start(ctx context.Context, r *runbooks.Run) (Outcome, error) {
	now := x.Engine.cfg.Now()
	if r.Status != runbooks.RunApproved {
		return Outcome{}, nil // denied, cancelled or already started meanwhile
	}
	if x.SSM == nil {
		reason := "AWS is not configured (set AWS_REGION and credentials)"
		return Outcome{Events: []incident.Event{runbooks.RefusedEvent(r.ID, r.Runbook, reason, now)},
			Then: []incident.Effect{postEffect(fmt.Sprintf(":x: %s (run %s) was not run: %s.", r.Runbook, r.ID, reason))}}, nil
	}
	s, err := x.SSM.Start(ctx, r.ID, r.Plan)
	if err != nil {
		if cerr := x.classify(err); cerr != nil {
			return Outcome{}, cerr
		}
		reason := runbooks.Explain(err)
		return Outcome{Events: []incident.Event{runbooks.RefusedEvent(r.ID, r.Runbook, reason, now)},
			Then: []incident.Effect{postEffect(fmt.Sprintf(":x: %s (run %s) was refused by Systems Manager: %s", r.Runbook, r.ID, inert(reason)))}}, nil
	}
	id := s.CommandID + s.ExecutionID
	return Outcome{
		Events: []incident.Event{runbooks.StartedEvent(r.ID, r.Runbook, s, now)},
		Then: []incident.Effect{
			{Kind: EffSlackRunStatus, Key: "runstatus:" + r.ID, Data: map[string]string{"run": r.ID, "text": fmt.Sprintf(":gear: %s (run %s) started in Systems Manager: `%s`", r.Runbook, r.ID, id)}},
			{Kind: EffSSMPoll, NotBefore: now.Add(runbooks.NextPoll(0)), Data: map[string]string{"run": r.ID, "attempt": "1"}},
		},
	}, nil
}

// poll reads progress; a terminal result is recorded and posted in the
// run's thread, otherwise the next poll is scheduled with backoff.
func (x *RunExecutor) poll(ctx context.Context, r *runbooks.Run, eff incident.Effect) (Outcome, error) {
	if r.Status != runbooks.RunRunning || x.SSM == nil {
		return Outcome{}, nil
	}
	now := x.Engine.cfg.Now()
	attempt, _ := strconv.Atoi(eff.Data["attempt"])
	p, err := x.SSM.Poll(ctx, r.Started())
	if err != nil {
		return Outcome{}, x.classifyPoll(err)
	}
	if p.Terminal {
		icon := ":white_check_mark:"
		if !p.Success {
			icon = ":x:"
		}
		return Outcome{Events: []incident.Event{runbooks.FinishedEvent(r.ID, r.Runbook, p, now)},
			Then: []incident.Effect{{Kind: EffSlackRunStatus, Data: map[string]string{"run": r.ID, "final": "1", "follows": "1",
				"text": fmt.Sprintf("%s %s (run %s) finished: %s\n%s", icon, r.Runbook, r.ID, p.Summary(), p.Text())}}}}, nil
	}
	since := eff.Data[keyRunningSince]
	if since == "" && p.Status != "Pending" {
		since = incident.FormatTime(now)
	}
	next := now.Add(runbooks.NextPoll(attempt))
	if deadline, ok := runDeadline(r, since); ok {
		if !now.Before(deadline) {
			return x.overdue(r, p, now)
		}
		if next.After(deadline) {
			next = deadline
		}
	}
	poll := map[string]string{"run": r.ID, "attempt": strconv.Itoa(attempt + 1)}
	if since != "" {
		poll[keyRunningSince] = since
	}
	return Outcome{Then: []incident.Effect{
		{Kind: EffSlackRunStatus, Key: "runstatus:" + r.ID, Data: map[string]string{"run": r.ID, "follows": "1", "text": fmt.Sprintf(":gear: %s (run %s): %s", r.Runbook, r.ID, p.Summary())}},
		{Kind: EffSSMPoll, NotBefore: next, Data: poll},
	}}, nil
}

// keyRunningSince is the poll effects' Data key for when a poll first saw
// the command past Pending (RFC 3339).
const keyRunningSince = "running_since"

// SSM's defaults for a command's delivery timeout (TimeoutSeconds) and for
// the executionTimeout parameter of AWS-RunShellScript and its kin.
const (
	ssmDeliveryTimeout  = time.Hour
	ssmExecutionTimeout = time.Hour
)

// runDeadline is when tocsin stops waiting for a command: its execution
// timeout after a poll first saw it running (or, while it is still pending,
// its delivery and execution timeouts after it was sent), plus a grace as
// long as the execution timeout (at least 5 s, at most 5 min) for SSM to
// report the end. SSM itself ends a command at its timeout; one still "in
// progress" after that is stuck (an agent that died, a lost report), and
// polling it forever would keep the run "running" for good. Automations set
// their own step timeouts and have no bound here.
func runDeadline(r *runbooks.Run, runningSince string) (time.Time, bool) {
	if r.Plan.Kind != runbooks.KindCommand || r.StartedAt.IsZero() {
		return time.Time{}, false
	}
	exec := ssmExecutionTimeout
	if v := r.Plan.Parameters["executionTimeout"]; len(v) == 1 {
		if n, err := strconv.Atoi(v[0]); err == nil && n > 0 {
			exec = time.Duration(n) * time.Second
		}
	}
	grace := min(max(exec, 5*time.Second), 5*time.Minute)
	if t, err := time.Parse(time.RFC3339Nano, runningSince); err == nil {
		return t.Add(exec + grace), true
	}
	delivery := ssmDeliveryTimeout
	if r.Plan.TimeoutSeconds > 0 {
		delivery = time.Duration(r.Plan.TimeoutSeconds) * time.Second
	}
	return r.StartedAt.Add(delivery + exec + grace), true
}

// overdue ends a run that outlived runDeadline: it is recorded as failed,
// SSM is asked to cancel it, and the channel is told that it may still be
// running on the instance.
func (x *RunExecutor) overdue(r *runbooks.Run, p runbooks.Progress, now time.Time) (Outcome, error) {
	p.Detail = fmt.Sprintf("tocsin stopped waiting: still %s %s after it was sent, past its timeout; it asked Systems Manager to cancel it",
		p.Status, now.Sub(r.StartedAt).Round(time.Second))
	return Outcome{
		Events: []incident.Event{runbooks.FinishedEvent(r.ID, r.Runbook, p, now)},
		Then: []incident.Effect{
			{Kind: EffSSMCancel, Data: map[string]string{"run": r.ID}},
			{Kind: EffSlackRunStatus, Data: map[string]string{"run": r.ID, "final": "1", "follows": "1", "text": fmt.Sprintf(
				":x: %s (run %s) did not finish within its timeout: %s. tocsin asked Systems Manager to cancel it; check the instance before running it again.\n%s",
				r.Runbook, r.ID, p.Summary(), p.Text())}},
		},
	}, nil
}

// classify turns SSM errors into worker decisions: transient ones are
// retried, the rest are for people (nil: the caller explains it).
func (x *RunExecutor) classify(err error) error {
	if err == nil {
		return nil
	}
	if runbooks.Classify(err) == runbooks.ClassRetry {
		return err // the worker retries with backoff
	}
	return nil
}

func (x *RunExecutor) classifyPoll(err error) error {
	if runbooks.Classify(err) == runbooks.ClassRetry {
		return err
	}
	return fmt.Errorf("%w: %s", ErrPermanent, runbooks.Explain(err))
}

package dispatch

import (
	"context"
	"fmt"
	"strconv"

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
	err := x.Engine.cfg.Store.View(func(tx incident.Tx) error {
		var err error
		r, err = x.Engine.run(tx, inc.ID, eff.Data["run"])
		return err
	})
	if err != nil {
		return Outcome{}, fmt.Errorf("%w: %v", ErrPermanent, err)
	}
	now := x.Engine.cfg.Now()
	switch eff.Kind {
	case EffApprovalExpiry:
		if r.Status != runbooks.RunAwaitingApproval {
			return Outcome{}, nil
		}
		return Outcome{Events: []incident.Event{runbooks.ExpiredEvent(r.ID, r.Runbook, now)},
			Then: []incident.Effect{postEffect(fmt.Sprintf(":hourglass: The request to run %s (run %s) expired without enough approvals. Nothing was run.", r.Runbook, r.ID))}}, nil
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
	return incident.Effect{Kind: EffSlackPost, Data: map[string]string{"text": text}}
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
			Then: []incident.Effect{postEffect(fmt.Sprintf(":x: %s (run %s) was refused by Systems Manager: %s", r.Runbook, r.ID, reason))}}, nil
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
			Then: []incident.Effect{{Kind: EffSlackRunStatus, Data: map[string]string{"run": r.ID, "final": "1",
				"text": fmt.Sprintf("%s %s (run %s) finished: %s\n%s", icon, r.Runbook, r.ID, p.Summary(), p.Text())}}}}, nil
	}
	return Outcome{Then: []incident.Effect{
		{Kind: EffSlackRunStatus, Key: "runstatus:" + r.ID, Data: map[string]string{"run": r.ID, "text": fmt.Sprintf(":gear: %s (run %s): %s", r.Runbook, r.ID, p.Summary())}},
		{Kind: EffSSMPoll, NotBefore: now.Add(runbooks.NextPoll(attempt)), Data: map[string]string{"run": r.ID, "attempt": strconv.Itoa(attempt + 1)}},
	}}, nil
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

package bot

import (
	"context"
	"sync"

	"github.com/tocsin-dev/tocsin/dispatch"
	"github.com/tocsin-dev/tocsin/incident"
)

// runOrder keeps a run's status message from going backwards. A run's
// slack.runstatus effects can come due together or out of order (pacing
// defers one while the next poll enqueues another), and a progress report
// performed after the run's result would overwrite the result in Slack with
// "InProgress" for good. So status effects are performed one at a time, and
// a progress report for a run whose result this process has posted is
// dropped. The zero value is ready to use.
type runOrder struct {
	mu    sync.Mutex // held while one status effect is performed
	final map[string]bool
}

// runStatusInOrder performs a slack.runstatus effect under runOrder.
func (e *Executor) runStatusInOrder(ctx context.Context, eff incident.Effect, inc incident.Incident) (dispatch.Outcome, error) {
	final := eff.Data["final"] == "1"
	o := &e.order
	o.mu.Lock()
	defer o.mu.Unlock()
	if !final && o.final[eff.Data["run"]] {
		return dispatch.Outcome{}, nil // a progress report that came due after the result
	}
	out, err := e.runStatus(ctx, eff, inc)
	if final && err == nil {
		if o.final == nil || len(o.final) >= maxRunMessages {
			o.final = map[string]bool{}
		}
		o.final[eff.Data["run"]] = true
	}
	return out, err
}

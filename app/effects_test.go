package app

import (
	"testing"

	"github.com/tocsin-dev/tocsin/dispatch"
)

// TestExecutors_EveryKind: every effect kind the engine enqueues has one
// executor in the table, and the table names no kind the engine does not
// declare.
func TestExecutors_EveryKind(t *testing.T) {
	x := executors{slack: noSlack{}, escalate: &dispatch.Escalator{}, runs: &dispatch.RunExecutor{}, refine: &dispatch.Refiner{}}
	table := x.table()
	kinds := dispatch.Kinds()
	for _, k := range kinds {
		if ex, ok := table[k]; !ok || ex == nil {
			t.Errorf("effect kind %s has no executor", k)
		}
	}
	if len(table) != len(kinds) {
		t.Errorf("the table has %d kinds, dispatch declares %d", len(table), len(kinds))
	}
}

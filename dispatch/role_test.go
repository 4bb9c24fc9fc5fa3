package dispatch_test

import (
	"strings"
	"testing"

	"github.com/tocsin-dev/tocsin/dispatch"
	"github.com/tocsin-dev/tocsin/incident"
)

// Taking the commander role after a run was requested does not make one
// its approver: approval by role counts for whoever held the role when it
// was requested.
func TestRunbook_RoleTakenAfterRequestDoesNotApprove(t *testing.T) {
	h := newHarness(t)
	id := declare(h) // U0REQUESTER declares and is commander
	h.do(dispatch.Command{Kind: dispatch.AssignRole, Incident: id, Actor: "U0REQUESTER", Role: incident.RoleCommander, User: "U0ALICE"})
	runID := h.requestRun(id, "restart-api-by-role")
	h.do(dispatch.Command{Kind: dispatch.AssignRole, Incident: id, Actor: "U0MALLORY", Role: incident.RoleCommander, User: "U0MALLORY"})
	r := h.do(dispatch.Command{Kind: dispatch.Approve, Incident: id, Actor: "U0MALLORY", RunID: runID})
	if !strings.Contains(r.Message, "not counted") {
		t.Fatalf("approval by a commander who took the role after the request: %q", r.Message)
	}
	r = h.do(dispatch.Command{Kind: dispatch.Approve, Incident: id, Actor: "U0ALICE", RunID: runID})
	if !strings.Contains(r.Message, "Starting it") {
		t.Errorf("approval by the commander at request time: %q", r.Message)
	}
}

package report

import (
	"strings"

	"github.com/tocsin-dev/tocsin/incident"
)

// runbookSentence tells one step of a runbook run (package runbooks writes
// the steps and their data keys).
func runbookSentence(e incident.Event, n Names, who string) string {
	d := e.Data
	rb := or(d["runbook"], "a runbook")
	if d["by"] != "" {
		who = Name(n, d["by"])
	}
	switch d["step"] {
	case "requested":
		s := who + " asked to run " + rb
		if _, policy, ok := strings.Cut(e.Text, " (approval: "); ok {
			s += " (approval: " + policy
		}
		return s
	case "approved":
		return who + " approved running " + rb
	case "denied":
		return withColon(who+" denied running "+rb, d["reason"])
	case "expired":
		return "The request to run " + rb + " expired without enough approvals"
	case "started":
		return rb + " started in Systems Manager" // the command or execution id is in the event's data
	case "progress":
		return withColon(rb+" is running", d["detail"])
	case "finished":
		return withColon(rb+" "+finishedWord(d["result"], d["status"]), d["detail"])
	case "cancelled":
		return who + " cancelled " + rb
	case "refused":
		return withColon(rb+" was refused", d["reason"])
	}
	return withColon(rb+": "+or(d["step"], "unknown step"), e.Text)
}

// finishedWord says how a run ended: its result, else SSM's status.
func finishedWord(result, status string) string {
	switch result {
	case "succeeded", "failed":
		return result
	}
	if strings.EqualFold(status, "success") {
		return "succeeded"
	}
	return "finished " + or(status, "without a status")
}

package access

import (
	"testing"

	"github.com/tocsin-dev/tocsin/dispatch"
)

// FuzzParse: no policy text makes parse panic, and a policy parse accepts
// names only well-formed Slack ids in its rules.
func FuzzParse(f *testing.F) {
	for _, seed := range []string{
		"declare: [S0A, U0B]\nresolve: S0C\n",
		"runbook:\n  \"restart-*\": [S0A]\n  reboot-rds-instance: []\napprove:\n",
		"resolve: [\"@here\", role:commander, [S0X]]\n",
		"- a\n- b\n", "", "resolve: {a: b}\n", "runbook: [[\n",
	} {
		f.Add(seed, "restart-api")
	}
	f.Fuzz(func(t *testing.T, text, runbook string) {
		p, problems := parse("access.policy", []byte(text), nil)
		for _, pr := range problems {
			if !pr.Warning {
				return
			}
		}
		for _, a := range actions {
			r, _ := p.ruleFor(dispatch.Action{Name: a.name, Runbook: runbook})
			for _, id := range r.who() {
				if !userID.MatchString(id) && !groupID.MatchString(id) {
					t.Fatalf("accepted policy %q names %q", text, id)
				}
			}
		}
	})
}

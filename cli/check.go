package cli

import (
	"context"
	"fmt"
	"io"

	"github.com/tocsin-dev/tocsin/playbooks"
	"github.com/tocsin-dev/tocsin/runbooks"
)

// runCheck validates every runbook and playbook (built-in and from the
// configured directories) and prints file:line: problem for each error.
// A running server reloads them on SIGHUP (kill -HUP), keeping the old set
// if the new one has problems.
func runCheck(ctx context.Context, args []string, getenv func(string) string, stdout, stderr io.Writer) error {
	fs := newFlags("check", stderr)
	runbooksDir := fs.String("runbooks", getenv("TOCSIN_RUNBOOKS"), "runbook directory (default TOCSIN_RUNBOOKS)")
	playbooksDir := fs.String("playbooks", getenv("TOCSIN_PLAYBOOKS"), "playbook directory (default TOCSIN_PLAYBOOKS)")
	if err := fs.Parse(args); err != nil {
		return err
	}
	var lines []string
	for _, p := range runbooks.Check(*runbooksDir) {
		lines = append(lines, p.String())
	}
	known := map[string]bool{}
	if set, err := runbooks.Load(*runbooksDir); err == nil {
		for _, n := range set.Names() {
			known[n] = true
		}
	}
	exists := func(name string) bool { return known[name] || len(lines) > 0 }
	for _, p := range playbooks.Check(*playbooksDir, exists) {
		lines = append(lines, p.String())
	}
	for _, l := range lines {
		fmt.Fprintln(stdout, l)
	}
	if len(lines) > 0 {
		return fmt.Errorf("check: %d problem(s)", len(lines))
	}
	fmt.Fprintln(stdout, "ok: runbooks and playbooks are valid")
	return nil
}

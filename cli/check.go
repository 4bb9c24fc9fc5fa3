package cli

import (
	"cmp"
	"context"
	"errors"
	"flag"
	"fmt"
	"io"

	"github.com/tocsin-dev/tocsin/access"
	"github.com/tocsin-dev/tocsin/app"
	"github.com/tocsin-dev/tocsin/oncall"
	"github.com/tocsin-dev/tocsin/playbooks"
	"github.com/tocsin-dev/tocsin/runbooks"
)

// defineCheck validates every runbook and playbook (built-in and from the
// configured directories), the access policy and the on-call rotations and prints file:line: problem for each error.
// A running server reloads them on SIGHUP (kill -HUP), keeping the old set
// if the new one has problems.
func defineCheck(fs *flag.FlagSet, getenv func(string) string) runFunc {
	runbooksDir := fs.String("runbooks", "", "runbook directory (default TOCSIN_RUNBOOKS, from the environment or TOCSIN_CONFIG)")
	playbooksDir := fs.String("playbooks", "", "playbook directory (default TOCSIN_PLAYBOOKS, from the environment or TOCSIN_CONFIG)")
	withStore := fs.Bool("store", false, "also check the store file (TOCSIN_DB) without changing it")
	return func(ctx context.Context, e env) error {
		cfg, err := app.LoadConfig(e.getenv) // the settings serve would start with
		if err != nil {
			return fmt.Errorf("configuration:\n%w", err)
		}
		pbDir := cmp.Or(*playbooksDir, cfg.Playbooks)
		if cfg.SlackBotToken != "" {
			warnPlaceholders(e.stdout, pbDir, e.getenv)
		}
		err = check(e.stdout, cmp.Or(*runbooksDir, cfg.Runbooks), pbDir, app.RoutingKeys(cfg, e.getenv), cfg.PageSNSTopic)
		if *withStore {
			err = errors.Join(err, checkStore(e.stdout, cfg.DB))
		}
		return err
	}
}

func check(stdout io.Writer, runbooksDir, playbooksDir string, getenv func(string) string, smsTopic string) error {
	var lines []string
	for _, p := range runbooks.Check(runbooksDir) {
		lines = append(lines, p.String())
	}
	known := map[string]bool{}
	if set, err := runbooks.Load(runbooksDir); err == nil {
		for _, n := range set.Names() {
			known[n] = true
		}
	}
	exists := func(name string) bool { return known[name] || len(lines) > 0 }
	for _, p := range playbooks.Check(playbooksDir, playbooks.Env{Getenv: getenv, RunbookExists: exists}) {
		lines = append(lines, p.String())
	}
	problems := len(lines)
	for _, p := range access.Check(playbooksDir, exists) {
		lines = append(lines, p.String())
		if !p.Warning {
			problems++
		}
	}
	for _, p := range oncall.Check(playbooksDir) {
		lines = append(lines, p.String())
		problems++
	}
	pb, perr := playbooks.LoadEnv(playbooksDir, getenv)
	rot, rerr := oncall.Load(playbooksDir)
	if perr == nil && rerr == nil { // otherwise their problems are listed above
		ps := app.PageProblems(pb, rot, smsTopic)
		lines, problems = append(lines, ps...), problems+len(ps)
	}
	for _, l := range lines {
		fmt.Fprintln(stdout, l)
	}
	if problems > 0 {
		return fmt.Errorf("check: %d problem(s)", problems)
	}
	fmt.Fprintln(stdout, "ok: runbooks, playbooks, rotations and the access policy are valid")
	return nil
}

// warnPlaceholders prints a warning for each playbook that still names the
// built-in placeholder ids (S00ONCALL…): with Slack configured they invite
// and notify nobody. Playbooks that do not load were reported by check.
func warnPlaceholders(stdout io.Writer, playbooksDir string, getenv func(string) string) {
	set, err := playbooks.LoadEnv(playbooksDir, getenv)
	if err != nil {
		return
	}
	for _, p := range set.Placeholders() {
		fmt.Fprintf(stdout, "%s: warning: %s\n", p.File, p.Msg)
	}
}

// checkStore prints the store file's problems, or that it is sound.
func checkStore(stdout io.Writer, path string) error {
	problems, err := app.CheckStore(path)
	if err != nil {
		return fmt.Errorf("check --store: %w", err)
	}
	for _, p := range problems {
		fmt.Fprintf(stdout, "%s: %s\n", path, p)
	}
	if len(problems) > 0 {
		return fmt.Errorf("check --store: %s is damaged: %d problem(s); restore it from a backup", path, len(problems))
	}
	fmt.Fprintf(stdout, "ok: the store %s is sound (every timeline's hash chain verifies)\n", path)
	return nil
}

package app

import (
	"context"
	"fmt"
	"os"
	"os/signal"
	"strings"
	"syscall"

	"github.com/tocsin-dev/tocsin/access"
	"github.com/tocsin-dev/tocsin/oncall"
	"github.com/tocsin-dev/tocsin/playbooks"
	"github.com/tocsin-dev/tocsin/runbooks"
)

// loadDefinitions (re)loads playbooks, runbooks, the access policy and the
// on-call rotations. A bad set on reload keeps the old one and returns the
// error.
func (a *App) loadDefinitions() error {
	rb, err := runbooks.Load(a.cfg.Runbooks)
	if err != nil {
		return fmt.Errorf("TOCSIN_RUNBOOKS: %w", err)
	}
	if a.cfg.AutomationRole != "" {
		if rb, err = rb.WithAutomationRole(a.cfg.AutomationRole); err != nil {
			return fmt.Errorf("TOCSIN_AUTOMATION_ROLE: %w", err)
		}
	}
	pb, err := playbooks.LoadEnv(a.cfg.Playbooks, RoutingKeys(a.cfg, a.getenv))
	if err != nil {
		return fmt.Errorf("TOCSIN_PLAYBOOKS: %w", err)
	}
	pol, err := access.Load(a.cfg.Playbooks) // nil without an access.policy
	if err != nil {
		return fmt.Errorf("TOCSIN_PLAYBOOKS: %w", err)
	}
	rot, err := oncall.Load(a.cfg.Playbooks) // empty without a rotations directory
	if err != nil {
		return fmt.Errorf("TOCSIN_PLAYBOOKS: %w", err)
	}
	if ps := PageProblems(pb, rot, a.cfg.PageSNSTopic); len(ps) > 0 {
		return fmt.Errorf("TOCSIN_PLAYBOOKS: %d page target problem(s):\n%s", len(ps), strings.Join(ps, "\n"))
	}
	a.runbooks.Store(rb)
	a.playbooks.Store(pb)
	a.rotations.Store(rot)
	a.access.Replace(pol)
	a.log.Info("who may do what", "access", a.access.Summary())
	return nil
}

// RoutingKeys reads the variables that hold PagerDuty routing keys, as
// serve and `tocsin check` read them: the default one from the settings
// (so TOCSIN_CONFIG may hold it), the others a playbook names from the
// environment.
func RoutingKeys(cfg Config, getenv func(string) string) func(string) string {
	return func(name string) string {
		if name == playbooks.DefaultRoutingKeyEnv {
			return cfg.PagerDutyRoutingKey
		}
		return getenv(name)
	}
}

// reloadOnHangup reloads runbooks, playbooks and rotations on SIGHUP. A bad
// set keeps the old one; open incidents are untouched either way.
func (a *App) reloadOnHangup() func(ctx context.Context) error {
	hup := make(chan os.Signal, 1)
	signal.Notify(hup, syscall.SIGHUP) // now, so a SIGHUP right after start is not fatal
	return func(ctx context.Context) error {
		defer signal.Stop(hup)
		a.reloadLoop(ctx, hup)
		return nil
	}
}

func (a *App) reloadLoop(ctx context.Context, hup <-chan os.Signal) {
	for {
		select {
		case <-ctx.Done():
			return
		case <-hup:
			if err := a.loadDefinitions(); err != nil {
				a.log.Error("reload refused; keeping the previous runbooks and playbooks", "err", err)
				continue
			}
			a.log.Info("reloaded runbooks and playbooks")
		}
	}
}

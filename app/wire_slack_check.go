package app

import (
	"context"
	"slices"
	"strings"

	"github.com/tocsin-dev/tocsin/playbooks"
)

// groupChecker is what the start-up check asks Slack (the bot Directory,
// whose group listing it shares; the Executor can answer it too).
type groupChecker interface {
	UnknownGroups(ctx context.Context, ids []string) ([]string, error)
}

// checkSlackIDs warns, once at start, about the Slack ids the playbooks
// name that reach nobody: placeholders left from the built-in playbooks
// (S00ONCALL…), and user group ids Slack does not have. It never stops
// tocsin: incidents still open, and the channel says who was not invited.
func (a *App) checkSlackIDs(ctx context.Context, slack groupChecker) error {
	set := a.playbooks.Load()
	if ph := set.Placeholders(); len(ph) > 0 {
		var msgs []string
		for _, p := range ph {
			msgs = append(msgs, p.String())
		}
		a.log.Warn("playbooks name placeholder Slack ids: nobody is invited or notified for them", "playbooks", msgs)
	}
	var groups []string
	for _, r := range set.SlackIDs() {
		if strings.HasPrefix(r.ID, "S") && !playbooks.IsPlaceholder(r.ID) && !slices.Contains(groups, r.ID) {
			groups = append(groups, r.ID)
		}
	}
	if len(groups) == 0 {
		return nil
	}
	unknown, err := slack.UnknownGroups(ctx, groups)
	switch {
	case err != nil:
		a.log.Warn("could not check the playbooks' user group ids with Slack", "err", err)
	case len(unknown) > 0:
		a.log.Warn("playbooks name user groups Slack does not have (or that are disabled): nobody is invited or notified for them",
			"groups", unknown)
	}
	return nil
}

package app

import (
	"context"
	"time"

	"github.com/tocsin-dev/tocsin/report"
)

// resolveFor bounds how long text that leaves Slack (a review, the digest)
// waits for Slack to name the people the directory did not know yet.
const resolveFor = 5 * time.Second

// unnamed records the ids a Names gave back unchanged.
type unnamed struct {
	report.Names
	ids []string
}

func (u *unnamed) Person(id string) string { return u.note(id, u.Names.Person(id)) }
func (u *unnamed) Group(id string) string  { return u.note(id, u.Names.Group(id)) }

func (u *unnamed) note(id, name string) string {
	if name == id && id != "" {
		u.ids = append(u.ids, id)
	}
	return name
}

// withNames builds text that leaves Slack with people named: build runs
// with the directory; if it met ids the directory did not know yet, they
// are asked of Slack (for at most resolveFor) and build runs again.
func (a *App) withNames(build func(report.Names)) {
	u := &unnamed{Names: a.names}
	build(u)
	if len(u.ids) == 0 {
		return
	}
	ctx, cancel := context.WithTimeout(context.Background(), resolveFor)
	defer cancel()
	a.names.Resolve(ctx, u.ids...)
	build(a.names)
}

package bot

import (
	"cmp"
	"context"
	"errors"
	"fmt"
	"time"

	"github.com/slack-go/slack"
)

// Run keeps the directory current until ctx ends: it lists the workspace,
// then looks up the users Person met that it did not know, listing
// everything again once a day. (Load first, to name people at once.)
func (d *Directory) Run(ctx context.Context) error {
	for {
		if wait := d.listedAt.Add(refreshEvery).Sub(d.now()); wait <= 0 {
			d.list(ctx)
		}
		d.lookUpPending(ctx)
		d.persist(ctx)
		timer := time.NewTimer(max(d.listedAt.Add(refreshEvery).Sub(d.now()), time.Second))
		select {
		case <-ctx.Done():
			timer.Stop()
			return nil
		case <-d.wake:
		case <-timer.C:
		}
		timer.Stop()
	}
}

// list reads every user and user group. slack-go's users.list follows the
// cursor and waits out rate limits itself.
func (d *Directory) list(ctx context.Context) {
	users, err := d.api.GetUsersContext(ctx)
	if err == nil {
		for _, u := range users {
			d.learn(u.ID, userName(u))
		}
		err = d.listGroups(ctx)
	}
	d.mu.Lock()
	defer d.mu.Unlock()
	d.listedAt = d.now()
	if err != nil && ctx.Err() == nil {
		d.log.Warn("list Slack users and groups for their names", "err", err)
		d.listedAt = d.now().Add(retryEvery - refreshEvery) // try again soon
	}
}

// listGroups reads the user groups' names (usergroups.list), unless they
// were read within the last minute: the start-up check of the playbooks'
// group ids (UnknownGroups) and the directory's own listing share one call.
func (d *Directory) listGroups(ctx context.Context) error {
	d.listing.Lock()
	defer d.listing.Unlock()
	d.mu.Lock()
	fresh := !d.groupsAt.IsZero() && d.now().Sub(d.groupsAt) < time.Minute
	d.mu.Unlock()
	if fresh {
		return nil
	}
	groups, err := d.api.GetUserGroupsContext(ctx)
	if err != nil {
		return err
	}
	known := make(map[string]bool, len(groups))
	for _, g := range groups {
		d.learn(g.ID, cmp.Or(g.Name, g.Handle))
		known[g.ID] = true
	}
	d.mu.Lock()
	d.groupsAt, d.groups = d.now(), known
	d.mu.Unlock()
	return nil
}

// UnknownGroups returns the ids among ids that name no user group Slack
// has (usergroups.list, shared with the directory's listing).
func (d *Directory) UnknownGroups(ctx context.Context, ids []string) ([]string, error) {
	if d.api == nil {
		return nil, nil
	}
	if err := d.listGroups(ctx); err != nil {
		return nil, fmt.Errorf("list user groups: %w", err)
	}
	d.mu.Lock()
	defer d.mu.Unlock()
	var out []string
	for _, id := range ids {
		if !d.groups[id] {
			out = append(out, id)
		}
	}
	return out, nil
}

// lookUpPending asks users.info about each user Person met unknown.
func (d *Directory) lookUpPending(ctx context.Context) {
	for {
		d.mu.Lock()
		var id string
		for p := range d.pending {
			id = p
			break
		}
		delete(d.pending, id)
		d.mu.Unlock()
		if id == "" || d.lookUp(ctx, id) != nil {
			return
		}
	}
}

// lookUp asks users.info about one user, waiting out a rate limit once.
// A user Slack does not know is remembered as missing for missingFor.
func (d *Directory) lookUp(ctx context.Context, id string) error {
	u, err := d.api.GetUserInfoContext(ctx, id)
	var limited *slack.RateLimitedError
	if errors.As(err, &limited) {
		select {
		case <-ctx.Done():
			return ctx.Err()
		case <-time.After(limited.RetryAfter):
		}
		u, err = d.api.GetUserInfoContext(ctx, id)
	}
	switch {
	case err == nil:
		d.learn(u.ID, userName(*u))
	case slackCode(err) == codeNoUser:
		d.mu.Lock()
		d.missing[id] = d.now()
		d.mu.Unlock()
		return nil
	default:
		d.log.Warn("look up a Slack user's name", "user", id, "err", err)
	}
	return err
}

// Resolve looks up now, before returning, the ids among ids the directory
// does not know yet (users with users.info, groups by listing them again if
// the last listing is over a minute old), for text that is about to leave
// Slack such as a review. It gives up at the first failure or when ctx
// ends; the ids it could not name stay ids.
func (d *Directory) Resolve(ctx context.Context, ids ...string) {
	if d.api == nil {
		return
	}
	var users []string
	relist := false
	d.mu.Lock()
	for _, id := range ids {
		if _, ok := d.names[id]; ok {
			continue
		}
		switch {
		case isUserID(id) && !d.recentlyMissing(id):
			users = append(users, id)
		case isGroupID(id):
			relist = true // listGroups skips the call when the last is under a minute old
		}
	}
	d.mu.Unlock()
	if relist {
		if err := d.listGroups(ctx); err != nil {
			d.log.Warn("list Slack user groups for their names", "err", err)
		}
	}
	for _, id := range users {
		if d.lookUp(ctx, id) != nil {
			break
		}
	}
	d.persist(ctx)
}

// isGroupID reports whether id looks like a Slack user group id (S…).
func isGroupID(id string) bool {
	return len(id) > 2 && id[0] == 'S' && isUserID("U"+id[1:])
}

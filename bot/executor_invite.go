package bot

import (
	"context"
	"fmt"
	"strings"

	"github.com/tocsin-dev/tocsin/dispatch"
	"github.com/tocsin-dev/tocsin/incident"
)

// Invitation answers about one user that do not fail the effect: the user
// is already there, or cannot be invited and never will be.
var (
	inviteDone = map[string]bool{"already_in_channel": true, "cant_invite_self": true}
	inviteSkip = map[string]bool{
		"user_not_found": true, "cant_invite": true, "user_disabled": true,
		"ura_max_channels": true, "user_is_restricted": true,
	}
)

// invite adds responders (user ids, and user groups expanded to their
// members) to the incident's channel. Inviting is idempotent: someone
// already in the channel counts as invited, so a retry repeats nothing.
func (e *Executor) invite(ctx context.Context, eff incident.Effect, inc incident.Incident) (dispatch.Outcome, error) {
	ch, err := needChannel(inc)
	if err != nil {
		return dispatch.Outcome{}, err
	}
	users, err := e.expandUsers(ctx, eff.Data["users"])
	if err != nil || len(users) == 0 {
		return dispatch.Outcome{}, err
	}
	if err := e.wait(call{method: "conversations.invite"}); err != nil {
		return dispatch.Outcome{}, err
	}
	_, err = e.api.InviteUsersToConversationContext(ctx, ch, users...)
	code := slackCode(err)
	switch {
	case err == nil, inviteDone[code] && len(users) == 1:
		return dispatch.Outcome{}, nil
	case (inviteDone[code] || inviteSkip[code]) && len(users) > 1:
		// Slack refuses the whole list for one such user: go one by one.
		return dispatch.Outcome{}, e.inviteEach(ctx, ch, users)
	case inviteSkip[code]:
		e.log.Warn("cannot invite responder", "incident", inc.ID.String(), "user", users[0], "slack_error", code)
		return dispatch.Outcome{}, nil
	}
	return dispatch.Outcome{}, fmt.Errorf("invite %d responders to %s: %w", len(users), ch, err)
}

func (e *Executor) inviteEach(ctx context.Context, ch string, users []string) error {
	for _, u := range users {
		if err := e.wait(call{method: "conversations.invite"}); err != nil {
			return err
		}
		_, err := e.api.InviteUsersToConversationContext(ctx, ch, u)
		code := slackCode(err)
		switch {
		case err == nil, inviteDone[code]:
		case inviteSkip[code]:
			e.log.Warn("cannot invite responder", "channel", ch, "user", u, "slack_error", code)
		default:
			return fmt.Errorf("invite %s to %s: %w", u, ch, err)
		}
	}
	return nil
}

// expandUsers reads comma-separated user and user group ids, expands the
// groups, and drops duplicates and anything that is not an id.
func (e *Executor) expandUsers(ctx context.Context, list string) ([]string, error) {
	var out []string
	seen := map[string]bool{}
	add := func(u string) {
		if userIDPattern.MatchString(u) && !seen[u] {
			seen[u] = true
			out = append(out, u)
		}
	}
	for id := range strings.SplitSeq(list, ",") {
		id = strings.TrimSpace(id)
		if !groupIDPattern.MatchString(id) {
			if id != "" && !userIDPattern.MatchString(id) {
				e.log.Warn("ignoring invitee that is not a Slack id", "invitee", id)
			}
			add(id)
			continue
		}
		members, err := e.UserGroups(ctx, id)
		if err != nil {
			return nil, err
		}
		for _, m := range members {
			add(m)
		}
	}
	return out, nil
}

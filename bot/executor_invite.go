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
		"cant_invite": true, "user_disabled": true, "ura_max_channels": true, "user_is_restricted": true,
	}
)

// Slack's answers for an id that names nobody: usergroups.users.list's
// no_such_subteam (and plan_upgrade_required: a free workspace has no user
// groups at all) and conversations.invite's user_not_found.
const (
	codeNoGroup  = "no_such_subteam"
	codeNoGroups = "plan_upgrade_required"
	codeNoUser   = "user_not_found"
)

// invite adds responders (user ids, and user groups expanded to their
// members) to the incident's channel. Inviting is idempotent: someone
// already in the channel counts as invited, so a retry repeats nothing.
// Ids Slack does not know are a permanent failure (unknownPeople), after
// everyone else was invited.
func (e *Executor) invite(ctx context.Context, eff incident.Effect, inc incident.Incident) (dispatch.Outcome, error) {
	ch, err := needChannel(inc)
	if err != nil {
		return dispatch.Outcome{}, err
	}
	users, missing, err := e.expandUsers(ctx, eff.Data["users"])
	if err != nil {
		return dispatch.Outcome{}, err
	}
	if len(users) > 0 {
		gone, err := e.inviteUsers(ctx, ch, users)
		if err != nil {
			return dispatch.Outcome{}, err
		}
		missing.users = append(missing.users, gone...)
	}
	if len(missing.groups)+len(missing.users) > 0 {
		return dispatch.Outcome{}, missing
	}
	return dispatch.Outcome{}, nil
}

// inviteUsers invites users and returns those Slack does not know.
func (e *Executor) inviteUsers(ctx context.Context, ch string, users []string) ([]string, error) {
	if err := e.wait(call{method: "conversations.invite"}); err != nil {
		return nil, err
	}
	_, err := e.api.InviteUsersToConversationContext(ctx, ch, users...)
	code := slackCode(err)
	switch {
	case err == nil, inviteDone[code] && len(users) == 1:
		return nil, nil
	case (inviteDone[code] || inviteSkip[code] || code == codeNoUser) && len(users) > 1:
		// Slack refuses the whole list for one such user: go one by one.
		return e.inviteEach(ctx, ch, users)
	case code == codeNoUser:
		return users, nil
	case inviteSkip[code]:
		e.log.Warn("cannot invite responder", "channel", ch, "user", users[0], "slack_error", code)
		return nil, nil
	}
	return nil, fmt.Errorf("invite %d responders to %s: %w", len(users), ch, err)
}

func (e *Executor) inviteEach(ctx context.Context, ch string, users []string) ([]string, error) {
	var unknown []string
	for _, u := range users {
		if err := e.wait(call{method: "conversations.invite"}); err != nil {
			return nil, err
		}
		_, err := e.api.InviteUsersToConversationContext(ctx, ch, u)
		code := slackCode(err)
		switch {
		case err == nil, inviteDone[code]:
		case code == codeNoUser:
			unknown = append(unknown, u)
		case inviteSkip[code]:
			e.log.Warn("cannot invite responder", "channel", ch, "user", u, "slack_error", code)
		default:
			return nil, fmt.Errorf("invite %s to %s: %w", u, ch, err)
		}
	}
	return unknown, nil
}

// expandUsers reads comma-separated user and user group ids, expands the
// groups, and drops duplicates and anything that is not an id. Groups Slack
// does not know are returned apart.
func (e *Executor) expandUsers(ctx context.Context, list string) ([]string, *unknownPeople, error) {
	var out []string
	missing := &unknownPeople{}
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
		switch {
		case slackCode(err) == codeNoGroup, slackCode(err) == codeNoGroups:
			missing.groups, missing.groupCode = append(missing.groups, id), slackCode(err)
		case err != nil:
			return nil, nil, err
		}
		for _, m := range members {
			add(m)
		}
	}
	return out, missing, nil
}

// unknownPeople is the permanent failure of an invitation that named user
// groups or users the workspace does not have (a placeholder id left in a
// playbook, someone who left). Its UserMessage is what the responders are
// told in the channel: someone they expect may be missing.
type unknownPeople struct {
	groups, users []string
	groupCode     string // what Slack said about the groups
}

func (u *unknownPeople) Error() string {
	var what []string
	if len(u.groups) > 0 {
		what = append(what, fmt.Sprintf("user groups %s (%s)", strings.Join(u.groups, ","), u.groupCode))
	}
	if len(u.users) > 0 {
		what = append(what, fmt.Sprintf("users %s (%s)", strings.Join(u.users, ","), codeNoUser))
	}
	return fmt.Sprintf("%v: invite: Slack does not know %s", dispatch.ErrPermanent, strings.Join(what, " or "))
}

func (u *unknownPeople) Unwrap() error { return dispatch.ErrPermanent }

// UserMessage names the ids as code, never as mentions: Slack would show a
// mention of a missing group as a broken link.
func (u *unknownPeople) UserMessage() string {
	var what []string
	if len(u.groups) > 0 {
		what = append(what, "no user group "+codeList(u.groups))
	}
	if len(u.users) > 0 {
		what = append(what, "no user "+codeList(u.users))
	}
	return ":warning: tocsin could not invite everyone to this channel: Slack has " + strings.Join(what, " and ") +
		". Invite the right people by hand, and ask whoever runs tocsin to fix the ids in the playbook (owner, responders, escalation) or in TOCSIN_RESPONDERS."
}

func codeList(ids []string) string {
	return "`" + strings.Join(ids, "`, `") + "`"
}

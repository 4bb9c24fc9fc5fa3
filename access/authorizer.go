package access

import (
	"context"
	"errors"
	"fmt"
	"slices"
	"sync/atomic"

	"github.com/tocsin-dev/tocsin/dispatch"
)

// Members returns the user ids in a Slack user group (S…). bot's
// Executor.UserGroups is one: it caches briefly and forgets a group when
// Slack says its members changed.
type Members func(ctx context.Context, group string) ([]string, error)

// errNoMembers: a rule names a user group but nothing can read groups.
var errNoMembers = errors.New("no user group lookup is configured (is Slack?)")

// Authorizer decides who may do what from a Policy and Slack's group
// membership (dispatch.Authorizer). The policy can be replaced while it
// is in use (a reload). It is safe for concurrent use.
type Authorizer struct {
	members Members
	policy  atomic.Pointer[Policy]
}

// New returns an Authorizer for p (nil: no policy, everything allowed)
// that reads user groups with members.
func New(p *Policy, members Members) *Authorizer {
	a := &Authorizer{members: members}
	a.policy.Store(p)
	return a
}

// Replace makes p the policy from the next decision on (nil: none).
func (a *Authorizer) Replace(p *Policy) { a.policy.Store(p) }

// Summary is the current policy's Summary, for the log.
func (a *Authorizer) Summary() string { return a.policy.Load().Summary() }

// Allow decides whether user may do act (dispatch.Authorizer). With no
// policy, or none for act, it allows with the zero Rule. Otherwise user
// must be listed, or be in a listed group: users are checked first,
// without Slack, then groups in order until one holds them. When no group
// holds them and one could not be read, the error says so and ok is false.
func (a *Authorizer) Allow(ctx context.Context, user string, act dispatch.Action) (bool, dispatch.Rule, error) {
	p := a.policy.Load()
	if p == nil {
		return true, dispatch.Rule{}, nil
	}
	r, restricted := p.ruleFor(act)
	if !restricted {
		return true, dispatch.Rule{}, nil
	}
	decided := dispatch.Rule{Name: r.name, Who: r.who()}
	if user == "" {
		return false, decided, nil
	}
	if slices.Contains(r.users, user) {
		return true, decided, nil
	}
	var errs []error
	for _, g := range r.groups {
		if a.members == nil {
			errs = append(errs, errNoMembers)
			break
		}
		in, err := a.members(ctx, g)
		if err != nil {
			errs = append(errs, fmt.Errorf("read members of user group %s for access rule %q: %w", g, r.name, err))
			continue
		}
		if slices.Contains(in, user) {
			return true, decided, nil
		}
	}
	return false, decided, errors.Join(errs...)
}

package bot

import (
	"context"
	"fmt"
)

// UserByEmail finds the Slack user with an e-mail address
// (users.lookupByEmail, which needs the users:read.email scope): how a
// PagerDuty user who acknowledged a page becomes the Slack user who
// acknowledged the incident. ok is false when nobody in the workspace has
// that address.
func (e *Executor) UserByEmail(ctx context.Context, email string) (id string, ok bool, err error) {
	if err := e.wait(call{method: "users.lookupByEmail"}); err != nil {
		return "", false, err
	}
	u, err := e.api.GetUserByEmailContext(ctx, email)
	switch {
	case slackCode(err) == "users_not_found":
		return "", false, nil
	case err != nil:
		return "", false, fmt.Errorf("look up a Slack user by e-mail: %w", err)
	}
	return u.ID, true, nil
}

package pagerduty

import (
	"context"
	"fmt"
	"strings"
)

// Users reads users from the REST API (GET /users/{id}).
type Users struct {
	REST
}

// Email returns a user's e-mail address.
func (u *Users) Email(ctx context.Context, id string) (string, error) {
	var out struct {
		User struct {
			Email string `json:"email"`
		} `json:"user"`
	}
	what := "read PagerDuty user " + id
	if err := u.get(ctx, what, "/users/"+urlPathEscape(id), nil, &out); err != nil {
		return "", err
	}
	if out.User.Email == "" {
		return "", fmt.Errorf("%s: no e-mail in the answer", what)
	}
	return out.User.Email, nil
}

// urlPathEscape keeps an id from changing the path (ids are like PXPGF42).
func urlPathEscape(id string) string {
	return strings.Map(func(r rune) rune {
		if r >= 'A' && r <= 'Z' || r >= 'a' && r <= 'z' || r >= '0' && r <= '9' {
			return r
		}
		return -1
	}, id)
}

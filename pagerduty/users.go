package pagerduty

import (
	"context"
	"encoding/json"
	"fmt"
	"io"
	"net/http"
	"strings"
	"time"
)

// DefaultAPIURL is PagerDuty's REST API.
const DefaultAPIURL = "https://api.pagerduty.com"

// Users reads users from the REST API (GET /users/{id}) with an API token
// (TOCSIN_PAGERDUTY_API_TOKEN).
type Users struct {
	URL   string // DefaultAPIURL when empty
	Token string
	HTTP  *http.Client // 5 s timeout when nil: a webhook must be answered within PagerDuty's 5 s
}

// Email returns a user's e-mail address.
func (u *Users) Email(ctx context.Context, id string) (string, error) {
	if u == nil || u.Token == "" {
		return "", fmt.Errorf("no PagerDuty API token")
	}
	base := strings.TrimSuffix(u.URL, "/")
	if base == "" {
		base = DefaultAPIURL
	}
	req, err := http.NewRequestWithContext(ctx, http.MethodGet, base+"/users/"+urlPathEscape(id), nil)
	if err != nil {
		return "", err
	}
	req.Header.Set("Authorization", "Token token="+u.Token)
	req.Header.Set("Accept", "application/vnd.pagerduty+json;version=2")
	client := u.HTTP
	if client == nil {
		client = &http.Client{Timeout: 5 * time.Second}
	}
	resp, err := client.Do(req)
	if err != nil {
		return "", fmt.Errorf("read PagerDuty user %s: %w", id, err)
	}
	defer resp.Body.Close()
	raw, _ := io.ReadAll(io.LimitReader(resp.Body, 64<<10))
	if resp.StatusCode != http.StatusOK {
		return "", fmt.Errorf("read PagerDuty user %s: PagerDuty answered %s", id, resp.Status)
	}
	var out struct {
		User struct {
			Email string `json:"email"`
		} `json:"user"`
	}
	if err := json.Unmarshal(raw, &out); err != nil || out.User.Email == "" {
		return "", fmt.Errorf("read PagerDuty user %s: no e-mail in the answer", id)
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

package e2e

import (
	"encoding/json"
	"fmt"
	"net/http"
	"net/url"
	"strings"
	"testing"
	"time"

	"github.com/tocsin-dev/tocsin/incident"
	"github.com/tocsin-dev/tocsin/sim"
)

// TestSecurity_SNSAuth: through the whole program, an SNS notification that
// is not signed by the configured certificate, or comes from a topic not on
// the allow-list, or names a certificate off AWS, is refused with 4xx and
// nothing is stored. (intake's handler_refuse_test.go and signature_test.go
// cover the same refusals unit by unit.)
func TestSecurity_SNSAuth(t *testing.T) {
	s := Start(t, securityOptions())
	tamper := func(b []byte, k, v string) []byte {
		var m map[string]string
		json.Unmarshal(b, &m)
		m[k] = v
		out, _ := json.Marshal(m)
		return out
	}
	good := signedSNS(s, "m-good", nil)
	cases := []struct {
		name string
		body []byte
	}{
		{"message altered after signing", tamper(good, "Message", AlarmMessage("evil-5xx", "evil", "ALARM", "OK", time.Now()))},
		{"signature of another message", tamper(good, "Signature", func() string {
			var m map[string]string
			json.Unmarshal(signedSNS(s, "m-other", nil), &m)
			return m["Signature"]
		}())},
		{"no signature", tamper(good, "Signature", "")},
		{"topic not on the allow-list", signedSNS(s, "m-topic", func(m map[string]string) {
			m["TopicArn"] = "arn:aws:sns:us-east-1:999999999999:attacker-topic"
		})},
		{"certificate URL off AWS", signedSNS(s, "m-cert", func(m map[string]string) {
			m["SigningCertURL"] = "https://sns.us-east-1.amazonaws.com.evil.example/SimpleNotificationService-x.pem"
		})},
		{"certificate in an S3 bucket", signedSNS(s, "m-s3", func(m map[string]string) {
			m["SigningCertURL"] = "https://s3.amazonaws.com/sns/SimpleNotificationService-x.pem"
		})},
	}
	for _, c := range cases {
		if code := s.PostSNS(c.body); code < 400 || code >= 500 {
			t.Errorf("%s: status %d, want 4xx", c.name, code)
		}
	}
	if code, body := s.Get("/api/incidents", secAPIToken); code != 200 || strings.TrimSpace(body) != "[]" {
		t.Errorf("after refused notifications: %d %s; want no incidents", code, body)
	}
	if code := s.PostSNS(good); code != 200 {
		t.Errorf("the untampered notification: status %d, want 200", code)
	}
}

// TestSecurity_SlackAuth: every Slack route refuses a request without a
// signature, with a wrong one, one made with another secret, one with a
// stale or future timestamp, and a replay of a request it accepted.
// (bot's verify_test.go checks Verify and ReplayGuard themselves.)
func TestSecurity_SlackAuth(t *testing.T) {
	s := Start(t, securityOptions())
	ch := openIncident(t, s, "m-1", "api-5xx", "API errors", "api")
	bodies := map[string]string{
		"/slack/commands":     s.SlashForm(secRequester, ch, "note auth-probe", "auth"),
		"/slack/interactions": claimedClick(s, secRequester, ch, "tocsin_ack", "inc:1", "inc:1", "auth"),
		"/slack/events":       `{"type":"url_verification","token":"x","challenge":"probe-challenge"}`,
	}
	for path, body := range bodies {
		t.Run(strings.TrimPrefix(path, "/slack/"), func(t *testing.T) {
			now := time.Now()
			refused := []struct {
				name   string
				secret string
				at     time.Time
				edit   func(http.Header)
			}{
				{"no signature", "", now, nil},
				{"wrong secret", "not-the-signing-secret", now, nil},
				{"stale by 6 minutes", secSigning, now.Add(-6 * time.Minute), nil},
				{"6 minutes in the future", secSigning, now.Add(6 * time.Minute), nil},
				{"signature garbled", secSigning, now, func(h http.Header) { h.Set("X-Slack-Signature", "v0=deadbeef") }},
				{"version v1", secSigning, now, func(h http.Header) {
					h.Set("X-Slack-Signature", strings.Replace(h.Get("X-Slack-Signature"), "v0=", "v1=", 1))
				}},
				{"timestamp swapped", secSigning, now, func(h http.Header) {
					h.Set("X-Slack-Request-Timestamp", h.Get("X-Slack-Request-Timestamp")+"0")
				}},
			}
			for _, c := range refused {
				var code int
				if c.edit == nil {
					code, _, _ = signedPost(s, path, body, c.secret, c.at)
				} else {
					h := sim.SlackRequestHeader(c.secret, c.at, body)
					c.edit(h)
					code, _ = s.Do("POST", path, h, body)
				}
				if code != http.StatusUnauthorized {
					t.Errorf("%s: status %d, want 401", c.name, code)
				}
			}
			code, _, h := signedPost(s, path, body, secSigning, now)
			if code != 200 {
				t.Fatalf("the correctly signed request: status %d", code)
			}
			if code, _ := s.Do("POST", path, h, body); code != http.StatusUnauthorized {
				t.Errorf("replay of an accepted request: status %d, want 401", code)
			}
		})
	}
	s.WaitFor("the one note", func() bool { return len(s.Replies("auth")) >= 1 })
	time.Sleep(300 * time.Millisecond) // a second (replayed) command would have run by now
	notes := timeline(s, func(e incident.Event) bool { return e.Type == incident.EventNote && e.Text == "auth-probe" })
	if len(notes) != 1 {
		t.Errorf("notes from the signed command = %d, want exactly 1 (the replay must not reach dispatch)", len(notes))
	}
	// Each refusal is counted; the log has them sampled (one line a second
	// per client), so junk cannot flood it.
	if n := refusedSlackRequests(t, s); n < 3*8 {
		t.Errorf("refusals counted on /metrics = %v, want one per refused request (%d)", n, 3*8)
	}
	if !strings.Contains(s.Logs.String(), "refused Slack request") {
		t.Error("no refusal logged at all")
	}
}

// refusedSlackRequests sums tocsin_slack_requests_refused_total on /metrics.
func refusedSlackRequests(t *testing.T, s *Harness) float64 {
	t.Helper()
	_, body := s.Get("/metrics", "")
	var sum float64
	for _, line := range strings.Split(body, "\n") {
		if rest, ok := strings.CutPrefix(line, "tocsin_slack_requests_refused_total{"); ok {
			var v float64
			fmt.Sscan(rest[strings.LastIndex(rest, " ")+1:], &v)
			sum += v
		}
	}
	return sum
}

// TestSecurity_APIAndDashboardAuth: /api/* needs the bearer token (never a
// query string), the dashboard a server-side session cookie; forged cookies and the raw token as a cookie are refused, and
// POST /api/backup without the token is 401. (web's login_test.go and
// dashboard_test.go cover the handlers directly.)
func TestSecurity_APIAndDashboardAuth(t *testing.T) {
	s := Start(t, securityOptions())
	noRedirect := &http.Client{CheckRedirect: func(*http.Request, []*http.Request) error { return http.ErrUseLastResponse }}
	do := func(method, path string, h http.Header) *http.Response {
		req, _ := http.NewRequest(method, s.URL+path, nil)
		for k, v := range h {
			req.Header[k] = v
		}
		resp, err := noRedirect.Do(req)
		if err != nil {
			t.Fatal(err)
		}
		resp.Body.Close()
		return resp
	}
	bearer := func(tok string) http.Header { return http.Header{"Authorization": {"Bearer " + tok}} }
	q := url.QueryEscape(secAPIToken)
	for _, c := range []struct {
		name, method, path string
		h                  http.Header
	}{
		{"no token", "GET", "/api/incidents", nil},
		{"wrong token", "GET", "/api/incidents", bearer("sec-api-token-4b8c62d0f1e9a7c3d5e6f700")},
		{"token prefix", "GET", "/api/incidents", bearer(secAPIToken[:10])},
		{"token in ?token=", "GET", "/api/incidents?token=" + q, nil},
		{"token in ?access_token=", "GET", "/api/incidents?access_token=" + q, nil},
		{"token in ?api_token=", "GET", "/api/metrics?api_token=" + q, nil},
		{"token in ?authorization=", "GET", "/api/incidents/INC-1?authorization=Bearer+" + q, nil},
		{"basic auth", "GET", "/api/incidents", http.Header{"Authorization": {"Basic " + secAPIToken}}},
		{"token without scheme", "GET", "/api/incidents", http.Header{"Authorization": {secAPIToken}}},
		{"raw token as the cookie", "GET", "/api/incidents", http.Header{"Cookie": {"tocsin_session=" + secAPIToken}}},
		{"backup without token", "POST", "/api/backup", nil},
		{"backup with wrong token", "POST", "/api/backup", bearer("nope")},
		{"backup with token in query", "POST", "/api/backup?token=" + q, nil},
	} {
		if resp := do(c.method, c.path, c.h); resp.StatusCode != http.StatusUnauthorized {
			t.Errorf("%s: %s %s = %d, want 401", c.name, c.method, c.path, resp.StatusCode)
		}
	}
	if resp := do("GET", "/api/incidents", bearer(secAPIToken)); resp.StatusCode != 200 {
		t.Errorf("the right bearer token: %d", resp.StatusCode)
	}
	// Sign in to get the real cookie, then forge others.
	req, _ := http.NewRequest("POST", s.URL+"/login", strings.NewReader("token="+q))
	req.Header.Set("Content-Type", "application/x-www-form-urlencoded")
	resp, err := noRedirect.Do(req)
	if err != nil {
		t.Fatal(err)
	}
	resp.Body.Close()
	var session string
	for _, c := range resp.Cookies() {
		if c.Name == "tocsin_session" {
			session = c.Value
			if !c.HttpOnly || c.SameSite != http.SameSiteStrictMode || strings.Contains(c.Value, secAPIToken) {
				t.Errorf("session cookie %+v: want HttpOnly, SameSite=Strict, no token inside", c)
			}
		}
	}
	if session == "" {
		t.Fatalf("sign-in set no session cookie: %d", resp.StatusCode)
	}
	flip := []byte(session)
	flip[0] ^= 1
	for _, page := range []string{"/", "/incidents/INC-1", "/metrics-view"} {
		for name, cookie := range map[string]string{
			"no cookie": "", "forged cookie": "tocsin_session=" + string(flip),
			"raw token as the cookie": "tocsin_session=" + secAPIToken, "empty cookie": "tocsin_session=",
			"cookie under another name": "session=" + session,
		} {
			h := http.Header{}
			if cookie != "" {
				h.Set("Cookie", cookie)
			}
			resp := do("GET", page, h)
			if resp.StatusCode != http.StatusSeeOther || resp.Header.Get("Location") != "/login" {
				t.Errorf("%s on %s: %d → %q, want 303 → /login", name, page, resp.StatusCode, resp.Header.Get("Location"))
			}
		}
	}
	if resp := do("GET", "/", http.Header{"Cookie": {"tocsin_session=" + session}}); resp.StatusCode != 200 {
		t.Errorf("the real session cookie: %d", resp.StatusCode)
	}
	if resp := do("GET", "/api/incidents", http.Header{"Origin": {"https://evil.example"}, "Authorization": {"Bearer " + secAPIToken}}); resp.Header.Get("Access-Control-Allow-Origin") != "" {
		t.Errorf("CORS header on an API response: %q", resp.Header.Get("Access-Control-Allow-Origin"))
	}
}

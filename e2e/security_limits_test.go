package e2e

import (
	"bufio"
	"fmt"
	"io"
	"net"
	"net/http"
	"net/http/httptest"
	"net/url"
	"strings"
	"testing"
	"time"

	"github.com/tocsin-dev/tocsin/intake"
	"github.com/tocsin-dev/tocsin/sim"
)

// TestSecurity_BodyCaps: a body over the cap on each POST route is refused
// with 413 before any signature work, whether it declares its length or is
// chunked, and the server stays healthy.
func TestSecurity_BodyCaps(t *testing.T) {
	s := Start(t, securityOptions())
	slackCap := 64 << 10
	cases := []struct {
		path string
		size int
		want int
	}{
		{"/sns", intake.MaxBodyBytes + 1, http.StatusRequestEntityTooLarge},
		{"/sns", 8 << 20, http.StatusRequestEntityTooLarge},
		{"/slack/commands", slackCap + 1, http.StatusRequestEntityTooLarge},
		{"/slack/interactions", slackCap + 1, http.StatusRequestEntityTooLarge},
		{"/slack/events", 8 << 20, http.StatusRequestEntityTooLarge},
		{"/login", 4<<10 + 1, http.StatusRequestEntityTooLarge},
	}
	for _, c := range cases {
		for _, chunked := range []bool{false, true} {
			name := fmt.Sprintf("%s %d bytes chunked=%v", c.path, c.size, chunked)
			body := "token=" + strings.Repeat("a", c.size)
			var r io.Reader = strings.NewReader(body)
			if chunked {
				r = io.MultiReader(strings.NewReader(body)) // no length: sent chunked
			}
			req, _ := http.NewRequest("POST", s.URL+c.path, r)
			req.Header.Set("Content-Type", "application/x-www-form-urlencoded")
			req.Header.Set("x-amz-sns-message-type", "Notification")
			for k, v := range sim.SlackRequestHeader(secSigning, time.Now(), body) {
				req.Header[k] = v
			}
			resp, err := http.DefaultClient.Do(req)
			if err != nil { // the server may close while the client still writes
				t.Logf("%s: %v", name, err)
			} else {
				resp.Body.Close()
				if resp.StatusCode != c.want {
					t.Errorf("%s: status %d, want %d", name, resp.StatusCode, c.want)
				}
			}
			if code, _ := s.Get("/healthz", ""); code != 200 {
				t.Fatalf("after %s: /healthz %d", name, code)
			}
		}
	}
	if code, body := s.Get("/api/incidents", secAPIToken); code != 200 || strings.TrimSpace(body) != "[]" {
		t.Errorf("after oversized bodies: %d %s", code, body)
	}
}

// TestSecurity_SlowClients: serve's http.Server cuts off a client that
// sends its headers a byte at a time (ReadHeaderTimeout, 5 s) and one that
// trickles its body (ReadTimeout, 15 s); other clients are served meanwhile.
func TestSecurity_SlowClients(t *testing.T) {
	if testing.Short() {
		t.Skip("slow-loris checks wait for serve's 5 s and 15 s read timeouts; run without -short")
	}
	s := Start(t, securityOptions())
	addr := strings.TrimPrefix(s.URL, "http://")
	for _, c := range []struct {
		name, head string
		trickle    string
	}{
		{"headers a byte at a time", "GET /healthz HTTP/1.1\r\nHost: x\r\n", "X-Slow: aaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaa"},
		{"body a byte at a time", "POST /sns HTTP/1.1\r\nHost: x\r\nx-amz-sns-message-type: Notification\r\nContent-Length: 100000\r\n\r\n", strings.Repeat("{", 100000)},
	} {
		t.Run(c.name, func(t *testing.T) {
			t.Parallel()
			conn, err := net.Dial("tcp", addr)
			if err != nil {
				t.Fatal(err)
			}
			defer conn.Close()
			start := time.Now()
			io.WriteString(conn, c.head)
			stopped := make(chan struct{})
			go func() { // one byte every 100 ms until the server hangs up
				defer close(stopped)
				for i := 0; i < len(c.trickle); i++ {
					if _, err := conn.Write([]byte{c.trickle[i]}); err != nil {
						return
					}
					time.Sleep(100 * time.Millisecond)
				}
			}()
			conn.SetReadDeadline(time.Now().Add(30 * time.Second))
			_, err = io.Copy(io.Discard, conn) // returns when the server closes the connection
			took := time.Since(start)
			if ne, ok := err.(net.Error); ok && ne.Timeout() {
				t.Fatalf("the connection was still open after %s", took.Round(time.Second))
			}
			if took < 3*time.Second {
				t.Errorf("closed after %s: sooner than any read timeout, so not by one", took)
			}
			t.Logf("closed after %s", took.Round(100*time.Millisecond))
			if code, _ := s.Get("/healthz", ""); code != 200 {
				t.Errorf("/healthz %d", code)
			}
		})
	}
}

// TestSecurity_PathTraversal: no route serves files from disk; traversal
// attempts, encoded slashes, absolute paths and NULs on the dashboard, the
// API and the demo's Slack view get 400/404 or a redirect to a cleaned
// local path, never a file's content.
func TestSecurity_PathTraversal(t *testing.T) {
	s := Start(t, securityOptions())
	openIncident(t, s, "m-1", "api-5xx", "API errors", "api")
	cookie := secSession(t, s)
	addr := strings.TrimPrefix(s.URL, "http://")
	paths := []string{
		"/../../../../etc/passwd", "/..%2f..%2f..%2fetc%2fpasswd", "/%2e%2e/%2e%2e/etc/passwd", "//etc/passwd",
		"/etc/passwd", "/static/../../go.mod", "/templates/layout.html", "/web/templates/layout.html",
		"/incidents/..%2f..%2f..%2fetc%2fpasswd", "/incidents/%2e%2e%2f%2e%2e%2fgo.mod", "/incidents/INC-1/../../go.mod",
		"/incidents/%2Fetc%2Fpasswd", "/metrics-view/..%2f..%2fgo.mod", "/login/..%2f..%2fetc%2fpasswd",
		"/api/incidents/..%2f..%2f..%2fetc%2fpasswd/review.md", "/api/incidents/%2fetc%2fpasswd/review.md",
		"/api/incidents/INC-1%2f..%2f..%2f..%2fgo.mod/review.md", "/api/incidents/..%5c..%5cgo.mod/review.md",
		"/api/incidents/1/../../../etc/passwd", "/api/incidents//etc/passwd/review.md", "/api/incidents/INC-1%00/review.md",
		"/api/incidents/INC-1/review.md/../../../../go.mod", "/slack-view/../../etc/passwd", "/_sim/slack/../../../etc/passwd",
	}
	for _, p := range paths {
		code, loc, body := rawGet(t, addr, p, cookie)
		t.Logf("%s %d %s", p, code, loc)
		leaked := strings.Contains(body, "root:") || strings.Contains(body, "module github.com") || strings.Contains(body, "{{define")
		okStatus := code == 400 || code == 404 || (code >= 300 && code < 400 && strings.HasPrefix(loc, "/") && !strings.Contains(loc, ".."))
		if leaked || !okStatus {
			t.Errorf("GET %s: %d Location %q, leaked=%v; want 400/404 or a local redirect", p, code, loc, leaked)
		}
	}
	// The demo mounts the Slack stand-in's view; it renders state, never a path.
	view := sim.NewSlack(sim.SlackOptions{}).ViewHandler()
	for _, p := range []string{"/slack-view/../../../../etc/passwd", "/slack-view/..%2f..%2fgo.mod"} {
		rec := httptest.NewRecorder()
		view.ServeHTTP(rec, &http.Request{Method: "GET", URL: &url.URL{Path: p, RawPath: p}, Header: http.Header{}})
		if b := rec.Body.String(); strings.Contains(b, "root:") || strings.Contains(b, "module github.com") {
			t.Errorf("slack view %s served a file", p)
		}
	}
}

// rawGet sends path exactly as written (no client-side cleaning), signed in
// with both the bearer token and the session cookie.
func rawGet(t *testing.T, addr, path, cookie string) (int, string, string) {
	t.Helper()
	conn, err := net.Dial("tcp", addr)
	if err != nil {
		t.Fatal(err)
	}
	defer conn.Close()
	fmt.Fprintf(conn, "GET %s HTTP/1.1\r\nHost: %s\r\nAuthorization: Bearer %s\r\nCookie: tocsin_session=%s\r\nConnection: close\r\n\r\n", path, addr, secAPIToken, cookie)
	conn.SetReadDeadline(time.Now().Add(10 * time.Second))
	resp, err := http.ReadResponse(bufio.NewReader(conn), nil)
	if err != nil {
		t.Fatalf("GET %s: %v", path, err)
	}
	defer resp.Body.Close()
	b, _ := io.ReadAll(resp.Body)
	return resp.StatusCode, resp.Header.Get("Location"), string(b)
}

// secSession signs in to the dashboard and returns the session cookie's value.
func secSession(t *testing.T, h *Harness) string {
	t.Helper()
	c := &http.Client{CheckRedirect: func(*http.Request, []*http.Request) error { return http.ErrUseLastResponse }}
	resp, err := c.PostForm(h.URL+"/login", url.Values{"token": {secAPIToken}})
	if err != nil {
		t.Fatal(err)
	}
	resp.Body.Close()
	for _, ck := range resp.Cookies() {
		if ck.Name == "tocsin_session" && ck.Value != "" {
			return ck.Value
		}
	}
	t.Fatalf("sign-in: %d, no session cookie", resp.StatusCode)
	return ""
}

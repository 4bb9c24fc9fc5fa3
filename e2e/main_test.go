package e2e

import (
	"bytes"
	"context"
	"io"
	"net/http"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/tocsin-dev/tocsin/cli"
)

func TestMain(m *testing.M) { os.Exit(Main(m)) }

// cliEnv is the configuration of a tocsin that would start (a temporary
// store, a free address, an API token), with pairs over it, for the CLI's
// commands run without the harness.
func cliEnv(t testing.TB, kv ...string) func(string) string {
	m := map[string]string{"TOCSIN_ADDR": FreeAddr(t), "TOCSIN_DB": filepath.Join(t.TempDir(), "tocsin.db"), "TOCSIN_API_TOKEN": APIToken}
	for i := 0; i+1 < len(kv); i += 2 {
		m[kv[i]] = kv[i+1]
	}
	return func(k string) string { return m[k] }
}

func TestRun_Serve(t *testing.T) {
	h := Start(t, Options{})
	for _, c := range []struct {
		path, token string
		code        int
		contains    string
	}{
		{"/healthz", "", 200, "ok"},
		{"/readyz", "", 200, "ready"},
		{"/metrics", "", 200, "go_goroutines"},
		{"/metrics", "", 200, "tocsin_incidents_open"},
		{"/api/incidents", "", 401, "unauthorized"},
		{"/api/incidents", "wrong-token", 401, "unauthorized"},
		{"/api/incidents", APIToken, 200, "[]"},
		{"/api/incidents/INC-1", APIToken, 404, "no incident INC-1"},
		{"/api/incidents/nope", APIToken, 400, "not an incident id"},
		{"/api/metrics", "", 401, ""},
		{"/api/metrics?since=7d", APIToken, 200, "MTTR"},
	} {
		code, body := h.Get(c.path, c.token)
		if code != c.code || !strings.Contains(body, c.contains) {
			t.Errorf("GET %s (token %q) = %d %q; want %d containing %q", c.path, c.token, code, body, c.code, c.contains)
		}
	}
	if err := h.Stop(); err != nil {
		t.Fatalf("shutdown: %v", err)
	}
	if !strings.Contains(h.Logs.String(), "shutting down") {
		t.Errorf("no shutdown in the logs:\n%s", h.Logs)
	}
	if strings.Contains(h.Logs.String(), APIToken) {
		t.Errorf("the API token appears in the logs")
	}
}

func TestRun_BadInput(t *testing.T) {
	locked := filepath.Join(t.TempDir(), "held.db")
	Start(t, Options{Env: map[string]string{"TOCSIN_DB": locked}})
	cases := []struct {
		name string
		env  []string
		want string
	}{
		{"bad duration", []string{"TOCSIN_ARCHIVE_AFTER", "soon"}, "TOCSIN_ARCHIVE_AFTER"},
		{"bad severity", []string{"TOCSIN_DEFAULT_SEVERITY", "sev9"}, "TOCSIN_DEFAULT_SEVERITY"},
		{"bad addr", []string{"TOCSIN_ADDR", "nowhere"}, "TOCSIN_ADDR"},
		{"bad zone", []string{"TOCSIN_TIMEZONE", "Mars/Olympus"}, "TOCSIN_TIMEZONE"},
		{"bad topic", []string{"TOCSIN_SNS_TOPIC_ARNS", "my-topic"}, "TOCSIN_SNS_TOPIC_ARNS"},
		{"slack without secret", []string{"SLACK_BOT_TOKEN", "xoxb-1"}, "SLACK_SIGNING_SECRET"},
		{"negative storm guard", []string{"TOCSIN_STORM_AFTER", "-1"}, "TOCSIN_STORM_AFTER"},
		{"too many standby channels", []string{"TOCSIN_STANDBY_CHANNELS", "500"}, "TOCSIN_STANDBY_CHANNELS"},
		{"public pprof", []string{"TOCSIN_PPROF_ADDR", "0.0.0.0:6060"}, "TOCSIN_PPROF_ADDR"},
		{"bad automation role", []string{"TOCSIN_AUTOMATION_ROLE", "admin"}, "TOCSIN_AUTOMATION_ROLE"},
		{"unwritable db", []string{"TOCSIN_DB", "/proc/nope/tocsin.db"}, "TOCSIN_DB"},
		{"locked db", []string{"TOCSIN_DB", locked}, "in use by another process"},
		{"unknown command", nil, "unknown command"},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			args := []string{"tocsin", "serve"}
			if c.name == "unknown command" {
				args = []string{"tocsin", "serv"}
			}
			var stderr bytes.Buffer
			err := cli.Run(context.Background(), args, cliEnv(t, c.env...), io.Discard, &stderr)
			if err == nil || !strings.Contains(err.Error(), c.want) {
				t.Fatalf("err = %v; want one naming %s", err, c.want)
			}
			if strings.Contains(err.Error(), "goroutine") || strings.Contains(stderr.String(), "panic") {
				t.Errorf("a stack trace or panic instead of a clear error: %v", err)
			}
		})
	}
}

func TestRun_Version(t *testing.T) {
	var out bytes.Buffer
	if err := cli.Run(context.Background(), []string{"tocsin", "version"}, cliEnv(t), &out, io.Discard); err != nil || !strings.HasPrefix(out.String(), "tocsin ") {
		t.Errorf("version: %q, %v", out.String(), err)
	}
}

// TestRun_Pprof: the profiler answers on its own loopback listener and
// never through TOCSIN_ADDR.
func TestRun_Pprof(t *testing.T) {
	pprofAddr := FreeAddr(t)
	h := Start(t, Options{Env: map[string]string{"TOCSIN_PPROF_ADDR": pprofAddr}})
	var code int
	var body string
	for range 100 { // the listener starts beside the main one
		if resp, err := http.Get("http://" + pprofAddr + "/debug/pprof/"); err == nil {
			b, _ := io.ReadAll(resp.Body)
			resp.Body.Close()
			if code, body = resp.StatusCode, string(b); code == 200 {
				break
			}
		}
		time.Sleep(20 * time.Millisecond)
	}
	const index = "Types of profiles available"
	if code != 200 || !strings.Contains(body, index) {
		t.Errorf("GET pprof index = %d %q; want 200 listing the profiles", code, body)
	}
	if _, body := h.Get("/debug/pprof/", ""); strings.Contains(body, index) {
		t.Errorf("the profiler answers on TOCSIN_ADDR")
	}
}

package e2e

import (
	"bytes"
	"context"
	"fmt"
	"io"
	"net/http"
	"path/filepath"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/tocsin-dev/tocsin/app"
	"github.com/tocsin-dev/tocsin/cli"
)

// env builds a getenv from pairs over a base with a temp store.
func env(t testing.TB, kv ...string) func(string) string {
	m := map[string]string{
		"TOCSIN_ADDR": FreeAddr(t), "TOCSIN_DB": filepath.Join(t.TempDir(), "tocsin.db"),
		"TOCSIN_API_TOKEN": "test-token-0123",
	}
	for i := 0; i+1 < len(kv); i += 2 {
		m[kv[i]] = kv[i+1]
	}
	return func(k string) string { return m[k] }
}

// startServer runs the whole program in-process, as `tocsin serve` does
// (app.LoadConfig, app.New, Serve), and waits for /healthz.
func startServer(t testing.TB, getenv func(string) string) (base string, logs *SyncBuffer, stop func() error) {
	return startServerAt(t, getenv, nil)
}

// startServerAt is startServer with tocsin's clock (nil: time.Now).
func startServerAt(t testing.TB, getenv func(string) string, now func() time.Time) (base string, logs *SyncBuffer, stop func() error) {
	t.Helper()
	ctx, cancel := context.WithCancel(context.Background())
	logs = &SyncBuffer{}
	cfg, err := app.LoadConfig(getenv)
	if err != nil {
		t.Fatalf("configuration: %v", err)
	}
	a, err := app.New(ctx, cfg, app.Deps{Logger: app.NewLogger(logs, cfg.LogLevel), Getenv: getenv, Now: now})
	if err != nil {
		t.Fatalf("start tocsin: %v", err)
	}
	done := make(chan error, 1)
	go func() { done <- a.Serve(ctx, nil) }()
	base = "http://" + getenv("TOCSIN_ADDR")
	deadline := time.Now().Add(10 * time.Second)
	for {
		resp, err := http.Get(base + "/healthz")
		if err == nil {
			resp.Body.Close()
			if resp.StatusCode == 200 {
				break
			}
		}
		select {
		case err := <-done:
			t.Fatalf("server exited before it was healthy: %v\n%s", err, logs)
		default:
		}
		if time.Now().After(deadline) {
			t.Fatalf("server not healthy: %v\n%s", err, logs)
		}
		time.Sleep(20 * time.Millisecond)
	}
	var once sync.Once
	var stopErr error
	stop = func() error {
		once.Do(func() {
			cancel()
			select {
			case stopErr = <-done:
			case <-time.After(15 * time.Second):
				stopErr = fmt.Errorf("server did not shut down")
			}
		})
		return stopErr
	}
	t.Cleanup(func() { stop() })
	return base, logs, stop
}

func get(t testing.TB, url, token string) (int, string) {
	t.Helper()
	req, _ := http.NewRequest("GET", url, nil)
	if token != "" {
		req.Header.Set("Authorization", "Bearer "+token)
	}
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		t.Fatal(err)
	}
	defer resp.Body.Close()
	b, _ := io.ReadAll(resp.Body)
	return resp.StatusCode, string(b)
}

func TestRun_Serve(t *testing.T) {
	getenv := env(t)
	base, logs, stop := startServer(t, getenv)
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
		{"/api/incidents", "test-token-0123", 200, "[]"},
		{"/api/incidents/INC-1", "test-token-0123", 404, "no incident INC-1"},
		{"/api/incidents/nope", "test-token-0123", 400, "not an incident id"},
		{"/api/metrics", "", 401, ""},
		{"/api/metrics?since=7d", "test-token-0123", 200, "MTTR"},
	} {
		code, body := get(t, base+c.path, c.token)
		if code != c.code || !strings.Contains(body, c.contains) {
			t.Errorf("GET %s (token %q) = %d %q; want %d containing %q", c.path, c.token, code, body, c.code, c.contains)
		}
	}
	if err := stop(); err != nil {
		t.Fatalf("shutdown: %v", err)
	}
	if !strings.Contains(logs.String(), "shutting down") {
		t.Errorf("no shutdown in the logs:\n%s", logs)
	}
	if strings.Contains(logs.String(), "test-token-0123") {
		t.Errorf("the API token appears in the logs")
	}
}

func TestRun_BadInput(t *testing.T) {
	locked := filepath.Join(t.TempDir(), "held.db")
	_, _, _ = startServer(t, env(t, "TOCSIN_DB", locked))
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
			err := cli.Run(context.Background(), args, env(t, c.env...), io.Discard, &stderr)
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
	if err := cli.Run(context.Background(), []string{"tocsin", "version"}, env(t), &out, io.Discard); err != nil || !strings.HasPrefix(out.String(), "tocsin ") {
		t.Errorf("version: %q, %v", out.String(), err)
	}
}

// TestRun_Pprof: the profiler answers on its own loopback listener and
// never through TOCSIN_ADDR.
func TestRun_Pprof(t *testing.T) {
	pprofAddr := FreeAddr(t)
	base, _, stop := startServer(t, env(t, "TOCSIN_PPROF_ADDR", pprofAddr))
	defer stop()
	var code int
	var body string
	for range 100 { // the listener starts beside the main one
		if code, body = get(t, "http://"+pprofAddr+"/debug/pprof/", ""); code == 200 {
			break
		}
		time.Sleep(20 * time.Millisecond)
	}
	const index = "Types of profiles available"
	if code != 200 || !strings.Contains(body, index) {
		t.Errorf("GET pprof index = %d %q; want 200 listing the profiles", code, body)
	}
	if _, body := get(t, base+"/debug/pprof/", ""); strings.Contains(body, index) {
		t.Errorf("the profiler answers on TOCSIN_ADDR")
	}
}

package main

import (
	"context"
	"errors"
	"fmt"
	"io"
	"net/http"
	"strings"
	"time"

	"github.com/tocsin-dev/tocsin/incident"
	"github.com/tocsin-dev/tocsin/playbooks"
	"github.com/tocsin-dev/tocsin/report"
	"github.com/tocsin-dev/tocsin/runbooks"
	"github.com/tocsin-dev/tocsin/web"
)

// runCheck validates every runbook and playbook (built-in and from the
// configured directories) and prints file:line: problem for each error.
// A running server reloads them on SIGHUP (kill -HUP), keeping the old set
// if the new one has problems.
func runCheck(ctx context.Context, args []string, getenv func(string) string, stdout, stderr io.Writer) error {
	fs := newFlags("check", stderr)
	runbooksDir := fs.String("runbooks", getenv("TOCSIN_RUNBOOKS"), "runbook directory (default TOCSIN_RUNBOOKS)")
	playbooksDir := fs.String("playbooks", getenv("TOCSIN_PLAYBOOKS"), "playbook directory (default TOCSIN_PLAYBOOKS)")
	if err := fs.Parse(args); err != nil {
		return err
	}
	var lines []string
	for _, p := range runbooks.Check(*runbooksDir) {
		lines = append(lines, p.String())
	}
	known := map[string]bool{}
	if set, err := runbooks.Load(*runbooksDir); err == nil {
		for _, n := range set.Names() {
			known[n] = true
		}
	}
	exists := func(name string) bool { return known[name] || len(lines) > 0 }
	for _, p := range playbooks.Check(*playbooksDir, exists) {
		lines = append(lines, p.String())
	}
	for _, l := range lines {
		fmt.Fprintln(stdout, l)
	}
	if len(lines) > 0 {
		return fmt.Errorf("check: %d problem(s)", len(lines))
	}
	fmt.Fprintln(stdout, "ok: runbooks and playbooks are valid")
	return nil
}

// runDigest prints the weekly digest for the week ending now, built from the
// running server's incidents and timelines. The server itself sends it on
// TOCSIN_DIGEST_SCHEDULE to TOCSIN_DIGEST_CHANNEL.
func runDigest(ctx context.Context, args []string, getenv func(string) string, stdout, stderr io.Writer) error {
	fs := newFlags("digest", stderr)
	dry := fs.Bool("dry-run", false, "print the digest instead of sending it")
	if err := fs.Parse(args); err != nil {
		return err
	}
	if !*dry {
		return errors.New("digest: only --dry-run is supported here; the server sends the digest on its schedule")
	}
	tz := getenv("TOCSIN_TIMEZONE")
	if tz == "" {
		tz = "UTC"
	}
	loc, err := time.LoadLocation(tz)
	if err != nil {
		return fmt.Errorf("TOCSIN_TIMEZONE %q is not an IANA time zone", tz)
	}
	c, err := newAPIClient(getenv)
	if err != nil {
		return err
	}
	var incs []incident.Incident
	if err := c.getJSON(ctx, "/api/incidents", &incs); err != nil {
		return err
	}
	events := map[incident.ID][]incident.Event{}
	for _, inc := range incs {
		var v web.IncidentView
		if err := c.getJSON(ctx, "/api/incidents/"+inc.ID.String(), &v); err != nil {
			return err
		}
		events[inc.ID] = v.Timeline
	}
	io.WriteString(stdout, report.BuildDigest(incs, events, time.Now(), loc).Markdown())
	return nil
}

func runHealthcheck(ctx context.Context, args []string, getenv func(string) string, stdout, stderr io.Writer) error {
	fs := newFlags("healthcheck", stderr)
	if err := fs.Parse(args); err != nil {
		return err
	}
	addr := getenv("TOCSIN_ADDR")
	if addr == "" {
		addr = ":8080"
	}
	if strings.HasPrefix(addr, ":") {
		addr = "127.0.0.1" + addr
	}
	c := &http.Client{Timeout: 3 * time.Second}
	resp, err := c.Get("http://" + addr + "/healthz")
	if err != nil {
		return fmt.Errorf("healthcheck: %w", err)
	}
	resp.Body.Close()
	if resp.StatusCode != http.StatusOK {
		return fmt.Errorf("healthcheck: %s", resp.Status)
	}
	return nil
}

package main

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"net/http"
	"net/url"
	"os"
	"strings"
	"time"

	"github.com/tocsin-dev/tocsin/incident"
	"github.com/tocsin-dev/tocsin/report"
	"github.com/tocsin-dev/tocsin/web"
)

// apiClient calls a running tocsin's API: TOCSIN_URL (default derived from
// TOCSIN_ADDR) with TOCSIN_API_TOKEN.
type apiClient struct {
	base, token string
	http        *http.Client
}

func newAPIClient(getenv func(string) string) (*apiClient, error) {
	token := getenv("TOCSIN_API_TOKEN")
	if token == "" {
		return nil, errors.New("TOCSIN_API_TOKEN is not set: the API refuses requests without it")
	}
	base := getenv("TOCSIN_URL")
	if base == "" {
		addr := getenv("TOCSIN_ADDR")
		if addr == "" {
			addr = ":8080"
		}
		if strings.HasPrefix(addr, ":") {
			addr = "127.0.0.1" + addr
		}
		base = "http://" + addr
	}
	if _, err := url.Parse(base); err != nil {
		return nil, fmt.Errorf("TOCSIN_URL %q: %w", base, err)
	}
	return &apiClient{base: strings.TrimSuffix(base, "/"), token: token, http: &http.Client{Timeout: 30 * time.Second}}, nil
}

func (c *apiClient) get(ctx context.Context, path string) ([]byte, error) {
	return c.do(ctx, http.MethodGet, path)
}

// getJSON decodes the JSON answer of a GET into v.
func (c *apiClient) getJSON(ctx context.Context, path string, v any) error {
	b, err := c.get(ctx, path)
	if err != nil {
		return err
	}
	if err := json.Unmarshal(b, v); err != nil {
		return fmt.Errorf("decode the answer of %s: %w", path, err)
	}
	return nil
}

// copyTo writes the raw answer of a GET to w (the --json flags, and the
// review's Markdown).
func (c *apiClient) copyTo(ctx context.Context, path string, w io.Writer) error {
	b, err := c.get(ctx, path)
	w.Write(b)
	return err
}

func (c *apiClient) do(ctx context.Context, method, path string) ([]byte, error) {
	req, err := http.NewRequestWithContext(ctx, method, c.base+path, nil)
	if err != nil {
		return nil, err
	}
	req.Header.Set("Authorization", "Bearer "+c.token)
	resp, err := c.http.Do(req)
	if err != nil {
		return nil, fmt.Errorf("reach tocsin at %s (set TOCSIN_URL): %w", c.base, err)
	}
	defer resp.Body.Close()
	b, err := io.ReadAll(io.LimitReader(resp.Body, 1<<30))
	if err != nil {
		return nil, err
	}
	if resp.StatusCode != http.StatusOK {
		return nil, fmt.Errorf("%s %s: %s: %s", method, path, resp.Status, strings.TrimSpace(string(b)))
	}
	return b, nil
}

func runIncidents(ctx context.Context, args []string, getenv func(string) string, stdout, stderr io.Writer) error {
	fs := newFlags("incidents", stderr)
	asJSON := fs.Bool("json", false, "print JSON")
	open := fs.Bool("open", false, "only open incidents")
	if err := fs.Parse(args); err != nil {
		return err
	}
	c, err := newAPIClient(getenv)
	if err != nil {
		return err
	}
	path := fmt.Sprintf("/api/incidents?open=%t", *open)
	if *asJSON {
		return c.copyTo(ctx, path, stdout)
	}
	var incs []incident.Incident
	if err := c.getJSON(ctx, path, &incs); err != nil {
		return err
	}
	fmt.Fprintf(stdout, "%-9s %-5s %-13s %-20s %s\n", "ID", "SEV", "STATUS", "STARTED (UTC)", "TITLE")
	for _, inc := range incs {
		fmt.Fprintf(stdout, "%-9s %-5s %-13s %-20s %s\n", inc.ID, inc.Severity, inc.Status, inc.StartedAt.UTC().Format("2006-01-02 15:04:05"), inc.Title)
	}
	return nil
}

func runIncident(ctx context.Context, args []string, getenv func(string) string, stdout, stderr io.Writer) error {
	fs := newFlags("incident", stderr)
	asJSON := fs.Bool("json", false, "print JSON")
	id, err := parseIDArg(fs, args)
	if err != nil {
		return err
	}
	c, err := newAPIClient(getenv)
	if err != nil {
		return err
	}
	path := "/api/incidents/" + id.String()
	if *asJSON {
		return c.copyTo(ctx, path, stdout)
	}
	var v web.IncidentView
	if err := c.getJSON(ctx, path, &v); err != nil {
		return err
	}
	inc := v.Incident
	fmt.Fprintf(stdout, "%s %s %s — %s\nservice %s, started %s UTC\n\n", inc.ID, inc.Severity, inc.Status, inc.Title, inc.Service, inc.StartedAt.UTC().Format(time.DateTime))
	for _, e := range v.Timeline {
		fmt.Fprintf(stdout, "%s  %-14s %-16s %s\n", e.At.UTC().Format(time.DateTime), e.Type, e.Actor, e.Text)
	}
	if !v.Verified {
		fmt.Fprintln(stdout, "\nWARNING: the timeline's hash chain does not verify")
	}
	return nil
}

func parseIDArg(fs interface {
	Parse([]string) error
	Args() []string
}, args []string) (incident.ID, error) {
	// Accept the id before or after the flags.
	var pos []string
	var flags []string
	for _, a := range args {
		if strings.HasPrefix(a, "-") {
			flags = append(flags, a)
		} else {
			pos = append(pos, a)
		}
	}
	if err := fs.Parse(flags); err != nil {
		return 0, err
	}
	if len(pos) != 1 {
		return 0, errors.New("name one incident, for example INC-42")
	}
	return incident.ParseID(pos[0])
}

func runReview(ctx context.Context, args []string, getenv func(string) string, stdout, stderr io.Writer) error {
	fs := newFlags("review", stderr)
	id, err := parseIDArg(fs, args)
	if err != nil {
		return err
	}
	c, err := newAPIClient(getenv)
	if err != nil {
		return err
	}
	return c.copyTo(ctx, "/api/incidents/"+id.String()+"/review.md", stdout)
}

func runMetrics(ctx context.Context, args []string, getenv func(string) string, stdout, stderr io.Writer) error {
	fs := newFlags("metrics", stderr)
	since := fs.String("since", "30d", "window back from now (7d, 30d, 90d) or an RFC 3339 time")
	service := fs.String("service", "", "only this service")
	asJSON := fs.Bool("json", false, "print JSON")
	if err := fs.Parse(args); err != nil {
		return err
	}
	c, err := newAPIClient(getenv)
	if err != nil {
		return err
	}
	q := url.Values{"since": {*since}}
	if *service != "" {
		q.Set("service", *service)
	}
	path := "/api/metrics?" + q.Encode()
	if *asJSON {
		return c.copyTo(ctx, path, stdout)
	}
	var s report.Summary
	if err := c.getJSON(ctx, path, &s); err != nil {
		return err
	}
	io.WriteString(stdout, s.Table())
	return nil
}

// runBackup asks the running server for a hot copy (POST /api/backup). If
// no server answers, it copies the file directly, which works only when no
// other process holds it.
func runBackup(ctx context.Context, args []string, getenv func(string) string, stdout, stderr io.Writer) error {
	fs := newFlags("backup", stderr)
	if err := fs.Parse(args); err != nil {
		return err
	}
	if fs.NArg() != 1 {
		return errors.New("backup needs one argument: the file to write")
	}
	dst := fs.Arg(0)
	if c, err := newAPIClient(getenv); err == nil {
		b, err := c.do(ctx, http.MethodPost, "/api/backup")
		if err == nil {
			if err := writeFileAtomic(dst, b); err != nil {
				return err
			}
			fmt.Fprintf(stdout, "wrote %s (%d bytes) from the running server\n", dst, len(b))
			return nil
		}
		fmt.Fprintf(stderr, "no running server answered (%v); copying the file directly\n", err)
	}
	cfg, err := LoadConfig(getenv)
	if err != nil {
		return fmt.Errorf("configuration:\n%w", err)
	}
	db, err := openStore(cfg.DB, time.Now)
	if err != nil {
		return err
	}
	defer db.Close()
	n, err := db.BackupFile(dst)
	if err == nil {
		fmt.Fprintf(stdout, "wrote %s (%d bytes)\n", dst, n)
	}
	return err
}

func writeFileAtomic(path string, b []byte) error {
	tmp := path + ".tmp"
	if err := os.WriteFile(tmp, b, 0o600); err != nil {
		return fmt.Errorf("write backup: %w", err)
	}
	if err := os.Rename(tmp, path); err != nil {
		os.Remove(tmp)
		return fmt.Errorf("write backup: %w", err)
	}
	return nil
}

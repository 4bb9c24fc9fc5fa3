package cli

import (
	"bytes"
	"context"
	"fmt"
	"net/http"
	"net/http/httptest"
	"path/filepath"
	"testing"
	"time"

	"github.com/tocsin-dev/tocsin/golden"
	"github.com/tocsin-dev/tocsin/incident"
	"github.com/tocsin-dev/tocsin/report"
	"github.com/tocsin-dev/tocsin/store/storetest"
	"github.com/tocsin-dev/tocsin/web"
)

const readToken = "cli-test-token-0123456789abcdef0123"

// oneIncident is a web.Source with one incident whose people are Slack ids.
type oneIncident struct {
	inc incident.Incident
	evs []incident.Event
}

func (o oneIncident) Incidents(context.Context, bool) ([]incident.Incident, error) {
	return []incident.Incident{o.inc}, nil
}

func (o oneIncident) Timeline(_ context.Context, id incident.ID) (incident.Incident, []incident.Event, error) {
	if id != o.inc.ID {
		return incident.Incident{}, nil, fmt.Errorf("%w: %s", incident.ErrNotFound, id)
	}
	return o.inc, o.evs, nil
}

// readServer serves the API over one incident, naming people.
func readServer(t *testing.T) func(args ...string) string {
	t.Helper()
	start := time.Date(2025, 3, 10, 9, 0, 0, 0, time.UTC)
	ev := func(min int, typ incident.EventType, actor, text string, kv ...string) incident.Event {
		e := incident.Event{Type: typ, At: start.Add(time.Duration(min) * time.Minute), Actor: actor, Text: text, Data: map[string]string{}}
		for i := 0; i+1 < len(kv); i += 2 {
			e.Data[kv[i]] = kv[i+1]
		}
		return e
	}
	evs := []incident.Event{
		ev(0, incident.EventOpened, "U0ALICE", "", "title", "Checkout errors", "severity", "SEV2", "service", "checkout", "source", "declared"),
		ev(1, incident.EventChannel, "tocsin", "", "channel_id", "C1", "channel_name", "inc-1-checkout-errors"),
		ev(3, incident.EventEscalated, "tocsin", "", "step", "1", "targets", "S0ONCALL"),
		ev(4, incident.EventAcknowledged, "U0BOB", ""),
		ev(5, incident.EventRole, "U0BOB", "", "role", "commander", "user", "U0BOB"),
		ev(20, incident.EventResolved, "U0BOB", "Rolled back"),
	}
	src := oneIncident{inc: storetest.Timeline(t, 1, evs), evs: evs}
	mux := http.NewServeMux()
	web.Routes(mux, web.Config{Token: readToken, Source: src, Now: func() time.Time { return start.Add(time.Hour) },
		Names: report.NameMap{"U0ALICE": "Alice Adams", "U0BOB": "bob", "S0ONCALL": "Platform on-call"}})
	srv := httptest.NewServer(mux)
	t.Cleanup(srv.Close)
	getenv := func(k string) string {
		return map[string]string{"TOCSIN_URL": srv.URL, "TOCSIN_API_TOKEN": readToken}[k]
	}
	return func(args ...string) string {
		t.Helper()
		var out, errb bytes.Buffer
		if err := Run(t.Context(), append([]string{"tocsin"}, args...), getenv, &out, &errb); err != nil {
			t.Fatalf("%v: %v\n%s", args, err, errb.String())
		}
		return out.String()
	}
}

// TestRead_Names: the reading commands name people and tell the timeline
// as sentences; the golden files hold what they print.
func TestRead_Names(t *testing.T) {
	run := readServer(t)
	golden.Check(t, filepath.Join("testdata", "incidents.golden"), run("incidents"))
	golden.Check(t, filepath.Join("testdata", "incident.golden"), run("incident", "INC-1"))
}

func TestRead_ReviewNames(t *testing.T) {
	run := readServer(t)
	if out := run("review", "INC-1"); !bytes.Contains([]byte(out), []byte("- Role commander: bob")) {
		t.Errorf("the review does not name the commander:\n%s", out)
	}
}

package web

import (
	"context"
	"errors"
	"fmt"
	"log/slog"
	"net/http"
	"slices"
	"sync"
	"testing"
	"time"

	"github.com/tocsin-dev/tocsin/incident"
	"github.com/tocsin-dev/tocsin/store/storetest"
)

// testToken is the API token of the test dashboards.
const testToken = "s3cret-token"

// testNow is the clock of every test dashboard.
var testNow = time.Date(2025, 3, 10, 12, 0, 0, 0, time.UTC)

// fakeSource serves incidents from timelines built in memory. A stored
// incident keeps the state it had before any tampering, as a store would.
type fakeSource struct {
	incs map[incident.ID]stored
	err  error
}

type stored struct {
	inc incident.Incident
	evs []incident.Event
}

func (f *fakeSource) Incidents(ctx context.Context, openOnly bool) ([]incident.Incident, error) {
	if f.err != nil {
		return nil, f.err
	}
	var out []incident.Incident
	for _, s := range f.incs {
		if !openOnly || s.inc.Open() {
			out = append(out, s.inc)
		}
	}
	slices.SortFunc(out, func(a, b incident.Incident) int { return int(a.ID) - int(b.ID) })
	return out, nil
}

func (f *fakeSource) Timeline(ctx context.Context, id incident.ID) (incident.Incident, []incident.Event, error) {
	if f.err != nil {
		return incident.Incident{}, nil, f.err
	}
	s, ok := f.incs[id]
	if !ok {
		return incident.Incident{}, nil, fmt.Errorf("read incident %s: %w", id, incident.ErrNotFound)
	}
	return s.inc, s.evs, nil
}

// add chains the events into incident id's timeline and folds them with
// incident.Replay, the way the store does.
func (f *fakeSource) add(tb testing.TB, id incident.ID, evs ...incident.Event) []incident.Event {
	tb.Helper()
	inc := storetest.Timeline(tb, id, evs)
	if f.incs == nil {
		f.incs = map[incident.ID]stored{}
	}
	f.incs[id] = stored{inc, evs}
	return evs
}

// at is a time relative to testNow.
func at(d time.Duration) time.Time { return testNow.Add(d) }

func ev(typ incident.EventType, when time.Time, actor, text string, data ...string) incident.Event {
	e := incident.Event{Type: typ, At: when, Actor: actor, Text: text}
	if len(data) > 0 {
		e.Data = map[string]string{}
		for i := 0; i+1 < len(data); i += 2 {
			e.Data[data[i]] = data[i+1]
		}
	}
	return e
}

// xssTitle is a title a hostile alarm description or user could set.
const xssTitle = `<script>alert(1)</script> <!channel>`

// seededSource holds four incidents: INC-1 open with a full timeline, INC-2
// open with a hostile title, INC-3 resolved yesterday, INC-4 resolved a
// month ago.
func seededSource(tb testing.TB) *fakeSource {
	tb.Helper()
	f := &fakeSource{}
	arn := "arn:aws:cloudwatch:us-east-1:123456789012:alarm:api-5xx"
	f.add(tb, 1,
		ev(incident.EventOpened, at(-95*time.Minute), "tocsin", "",
			"title", "API 5xx rate above 5%", "severity", "SEV2", "service", "api", "source", "alarm",
			"playbook", "api-errors", "started_at", incident.FormatTime(at(-100*time.Minute)),
			"alarm_name", "api-5xx", "alarm_arn", arn, "state", "ALARM", "start_method", "breach",
			"namespace", "AWS/ApiGateway", "metric", "5XXError"),
		ev(incident.EventChannel, at(-94*time.Minute), "tocsin", "", "channel_id", "C1", "channel_name", "inc-1-api-5xx"),
		ev(incident.EventHeader, at(-94*time.Minute), "tocsin", "", "ts", "1741596360.000100"),
		ev(incident.EventAcknowledged, at(-90*time.Minute), "alice", ""),
		ev(incident.EventRole, at(-90*time.Minute), "alice", "", "role", "commander", "user", "alice"),
		ev(incident.EventNote, at(-80*time.Minute), "bob", "Deploy 4711 went out at 10:15; rolling back"),
		ev(incident.EventRunbook, at(-70*time.Minute), "bob", "", "run", "r1", "runbook", "restart-api", "step", "finished", "status", "Success"),
		ev(incident.EventMitigated, at(-60*time.Minute), "alice", ""),
		ev(incident.EventFollowup, at(-55*time.Minute), "alice", "Alarm on deploy error budget"),
	)
	f.add(tb, 2,
		ev(incident.EventOpened, at(-10*time.Minute), "mallory", "",
			"title", xssTitle, "severity", "SEV1", "service", `<b>pay</b>`, "source", "declared", "commander", `<img src=x onerror=alert(2)>`),
		ev(incident.EventNote, at(-9*time.Minute), "mallory", `</pre><script>alert(3)</script>`),
	)
	f.add(tb, 3,
		ev(incident.EventOpened, at(-26*time.Hour), "carol", "", "title", "Checkout latency", "severity", "SEV3", "service", "checkout", "source", "declared"),
		ev(incident.EventAcknowledged, at(-25*time.Hour), "carol", ""),
		ev(incident.EventResolved, at(-24*time.Hour), "carol", "Cache warmed"),
	)
	f.add(tb, 4,
		ev(incident.EventOpened, at(-30*24*time.Hour), "dave", "", "title", "Old outage", "severity", "SEV4", "source", "declared"),
		ev(incident.EventResolved, at(-30*24*time.Hour+time.Hour), "dave", ""),
	)
	return f
}

// newMux serves the API and dashboard over src with testToken, saving
// reviews in memory and drawing INC-1's graph.
func newMux(src Source) *http.ServeMux { return muxFor(testConfig(src)) }

// testConfig is newMux's configuration, for tests that change it.
func testConfig(src Source) Config {
	return Config{Token: testToken, Source: src, Now: func() time.Time { return testNow }, Logger: slog.New(slog.DiscardHandler),
		Reviews: &fakeReviews{}, Grapher: fakeGrapher{}}
}

func muxFor(cfg Config) *http.ServeMux {
	mux := http.NewServeMux()
	Routes(mux, cfg)
	return mux
}

// fakeReviews keeps saved reviews in memory.
type fakeReviews struct {
	mu    sync.Mutex
	saved map[incident.ID]string
	saves int
}

func (f *fakeReviews) SavedReview(ctx context.Context, id incident.ID) (string, bool, error) {
	f.mu.Lock()
	defer f.mu.Unlock()
	md, ok := f.saved[id]
	return md, ok, nil
}

func (f *fakeReviews) SaveReview(ctx context.Context, id incident.ID, markdown string) error {
	f.mu.Lock()
	defer f.mu.Unlock()
	if f.saved == nil {
		f.saved = map[incident.ID]string{}
	}
	f.saved[id] = markdown
	f.saves++
	return nil
}

// fakeGrapher draws a graph for incidents opened by an alarm.
type fakeGrapher struct{}

// graphPNG is the smallest valid PNG: one transparent pixel.
var graphPNG = []byte("\x89PNG\r\n\x1a\n\x00\x00\x00\rIHDR\x00\x00\x00\x01\x00\x00\x00\x01\x08\x06\x00\x00\x00\x1f\x15\xc4\x89" +
	"\x00\x00\x00\rIDATx\x9cc\xf8\x0f\x00\x00\x01\x01\x00\x05\x18\xd8N\x00\x00\x00\x00IEND\xaeB`\x82")

func (fakeGrapher) Graph(ctx context.Context, inc incident.Incident) (string, []byte, error) {
	if inc.Source != "alarm" {
		return "", nil, fmt.Errorf("%s has no alarm metric to graph", inc.ID)
	}
	return "api-5xx.png", graphPNG, nil
}

var errStore = errors.New("store is on fire")

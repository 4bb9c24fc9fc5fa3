package sim

import (
	"encoding/json"
	"fmt"
	"io"
	"net/http"
	"net/http/httptest"
	"slices"
	"strings"
	"sync"
	"time"
)

// PagerDuty is a stand-in for PagerDuty: the Events API v2 (POST
// /v2/enqueue) answering as PagerDuty documents — 202 with the dedup key,
// 400 with "invalid event" and the list of what is wrong, 429 when told to
// throttle — and keeping the alerts it opened (PagerDutyIncident) and the
// log of the events it accepted; the REST API's GET /users/{id} (the
// e-mail of a PagerDuty user) and GET /oncalls (who is on call in a
// schedule, pagerduty_rest.go); and the sender of PagerDuty's signed V3
// webhooks (SendWebhook, pagerduty_webhook.go).
//
// As in PagerDuty, events are deduplicated by routing key and dedup key:
// a trigger for an open alert adds to its log, acknowledge and resolve for
// no open alert are accepted and dropped, and a trigger after a resolve
// opens a new one. Each alert is its own incident (no alert grouping), and
// the incident's incident_key is the dedup key.
type PagerDuty struct {
	mu        sync.Mutex
	srv       *httptest.Server
	now       func() time.Time
	incidents []*PagerDutyIncident
	events    []PagerDutyEvent
	throttle  int // answer this many more events with 429
	hooks     map[string]func(PagerDutyEvent)
	users     map[string]PagerDutyUser
	oncalls   map[string][]PagerDutyOnCall // schedule id -> its on-call entries (pagerduty_rest.go)
	token     string                       // the REST API token; "" refuses every REST call
	next      int
}

// PagerDutyIncident is an alert PagerDuty opened, with its state.
type PagerDutyIncident struct {
	ID         string // like "PT4KHLK"
	Number     int
	RoutingKey string
	DedupKey   string
	Status     string // triggered, acknowledged or resolved
	Summary    string
	Severity   string
	Source     string
	Component  string
	Group      string
	Details    map[string]any
	Links      []map[string]any
	CreatedAt  time.Time
	Actions    []string // every event applied, in order (trigger, acknowledge, resolve)
}

// PagerDutyEvent is an event the Events API received, with its answer.
type PagerDutyEvent struct {
	RoutingKey string
	Action     string
	DedupKey   string
	Body       json.RawMessage
	Status     int      // the HTTP status answered
	Errors     []string // for a 400
	At         time.Time
}

// PagerDutyUser is a user the REST API knows.
type PagerDutyUser struct {
	ID    string
	Name  string
	Email string
}

// NewPagerDuty starts the stand-in. now is its clock (nil: time.Now);
// token is the REST API token it accepts.
func NewPagerDuty(now func() time.Time, token string) *PagerDuty {
	if now == nil {
		now = time.Now
	}
	p := &PagerDuty{now: now, token: token, users: map[string]PagerDutyUser{}}
	p.srv = httptest.NewServer(p)
	return p
}

// URL is the stand-in's base URL; the Events API is at URL()+"/v2/enqueue".
func (p *PagerDuty) URL() string { return p.srv.URL }

// EventsURL is the Events API v2 endpoint (TOCSIN_PAGERDUTY_EVENTS_URL).
func (p *PagerDuty) EventsURL() string { return p.srv.URL + "/v2/enqueue" }

// Close stops the server.
func (p *PagerDuty) Close() { p.srv.Close() }

// Throttle answers the next n events with 429.
func (p *PagerDuty) Throttle(n int) {
	p.mu.Lock()
	p.throttle = n
	p.mu.Unlock()
}

// OnEvent calls fn after an accepted event of the action (trigger,
// acknowledge, resolve) was applied and before it is answered; nil removes
// it. The crash matrix kills tocsin there.
func (p *PagerDuty) OnEvent(action string, fn func(PagerDutyEvent)) {
	p.mu.Lock()
	defer p.mu.Unlock()
	setHook(&p.hooks, action, fn)
}

// AddUser makes a user known to the REST API.
func (p *PagerDuty) AddUser(u PagerDutyUser) {
	p.mu.Lock()
	p.users[u.ID] = u
	p.mu.Unlock()
}

// Incidents returns copies of the alerts opened, oldest first.
func (p *PagerDuty) Incidents() []PagerDutyIncident {
	p.mu.Lock()
	defer p.mu.Unlock()
	out := make([]PagerDutyIncident, len(p.incidents))
	for i, inc := range p.incidents {
		out[i] = *inc
		out[i].Actions = slices.Clone(inc.Actions)
	}
	return out
}

// Events returns the events received, oldest first.
func (p *PagerDuty) Events() []PagerDutyEvent {
	p.mu.Lock()
	defer p.mu.Unlock()
	return slices.Clone(p.events)
}

// EventCount counts the accepted (202) events of an action.
func (p *PagerDuty) EventCount(action string) int {
	n := 0
	for _, e := range p.Events() {
		if e.Action == action && e.Status == http.StatusAccepted {
			n++
		}
	}
	return n
}

// ServeHTTP serves the Events API and the REST API.
func (p *PagerDuty) ServeHTTP(w http.ResponseWriter, r *http.Request) {
	switch {
	case r.Method == http.MethodPost && r.URL.Path == "/v2/enqueue":
		p.enqueue(w, r)
	case r.Method == http.MethodGet && strings.HasPrefix(r.URL.Path, "/users/"):
		p.getUser(w, r, strings.TrimPrefix(r.URL.Path, "/users/"))
	case r.Method == http.MethodGet && r.URL.Path == "/oncalls":
		p.listOnCalls(w, r)
	default:
		http.NotFound(w, r)
	}
}

// pagerDutyMaxBody is the Events API's payload limit.
const pagerDutyMaxBody = 512 << 10

func (p *PagerDuty) enqueue(w http.ResponseWriter, r *http.Request) {
	body, err := io.ReadAll(io.LimitReader(r.Body, pagerDutyMaxBody+1))
	if err != nil {
		return
	}
	var ev pagerDutyWireEvent
	errs := []string{}
	switch {
	case len(body) > pagerDutyMaxBody:
		errs = append(errs, "Event object is too large (maximum is 512 KB)")
	case json.Unmarshal(body, &ev) != nil:
		errs = append(errs, "Event object is not valid JSON")
	default:
		errs = ev.validate()
	}
	p.mu.Lock()
	rec := PagerDutyEvent{RoutingKey: ev.RoutingKey, Action: ev.EventAction, DedupKey: ev.DedupKey, Body: body, At: p.now()}
	if p.throttle > 0 {
		p.throttle--
		rec.Status = http.StatusTooManyRequests
		p.events = append(p.events, rec)
		p.mu.Unlock()
		pagerDutyWrite(w, http.StatusTooManyRequests, map[string]any{"status": "throttle exceeded", "message": "Requests for this service are arriving too quickly.  Please retry later."})
		return
	}
	if len(errs) > 0 {
		rec.Status, rec.Errors = http.StatusBadRequest, errs
		p.events = append(p.events, rec)
		p.mu.Unlock()
		pagerDutyWrite(w, http.StatusBadRequest, map[string]any{"status": "invalid event", "message": "Event object is invalid", "errors": errs})
		return
	}
	if rec.DedupKey == "" {
		p.next++
		rec.DedupKey = fmt.Sprintf("%032x", p.next)
	}
	rec.Status = http.StatusAccepted
	p.apply(ev, rec)
	p.events = append(p.events, rec)
	hook := p.hooks[rec.Action]
	p.mu.Unlock()
	if hook != nil {
		hook(rec)
	}
	pagerDutyWrite(w, http.StatusAccepted, map[string]any{"status": "success", "message": "Event processed", "dedup_key": rec.DedupKey})
}

// apply changes the open alert of the event's routing and dedup keys.
func (p *PagerDuty) apply(ev pagerDutyWireEvent, rec PagerDutyEvent) {
	var open *PagerDutyIncident
	for _, inc := range p.incidents {
		if inc.RoutingKey == rec.RoutingKey && inc.DedupKey == rec.DedupKey && inc.Status != "resolved" {
			open = inc
		}
	}
	switch {
	case open == nil && rec.Action != "trigger":
		return // PagerDuty drops acknowledge and resolve for no open alert
	case open == nil:
		p.next++
		pl := ev.Payload
		open = &PagerDutyIncident{ID: fmt.Sprintf("P%06X", p.next), Number: len(p.incidents) + 1, RoutingKey: rec.RoutingKey,
			DedupKey: rec.DedupKey, Status: "triggered", Summary: pl.Summary, Severity: pl.Severity, Source: pl.Source,
			Component: pl.Component, Group: pl.Group, Details: pl.CustomDetails, Links: ev.Links, CreatedAt: rec.At}
		p.incidents = append(p.incidents, open)
	case rec.Action == "acknowledge":
		open.Status = "acknowledged"
	case rec.Action == "resolve":
		open.Status = "resolved"
	}
	open.Actions = append(open.Actions, rec.Action)
}

// SetStatus changes an alert's status as a responder would in PagerDuty's
// own app (acknowledge or resolve there).
func (p *PagerDuty) SetStatus(id, status string) (PagerDutyIncident, bool) {
	p.mu.Lock()
	defer p.mu.Unlock()
	for _, inc := range p.incidents {
		if inc.ID == id {
			inc.Status = status
			return *inc, true
		}
	}
	return PagerDutyIncident{}, false
}

func pagerDutyWrite(w http.ResponseWriter, status int, body any) {
	w.Header().Set("Content-Type", "application/json")
	w.WriteHeader(status)
	json.NewEncoder(w).Encode(body)
}

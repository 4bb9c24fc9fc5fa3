package e2e

import (
	"encoding/json"
	"fmt"
	"net/http"
	"slices"
	"strings"
	"time"

	"github.com/tocsin-dev/tocsin/incident"
	"github.com/tocsin-dev/tocsin/sim"
	"github.com/tocsin-dev/tocsin/web"
)

// This file reads what tocsin did: its API, and the Slack stand-in.

// waitLimit bounds every wait: generous, since CI machines are slow and
// the suites run under the race detector. Waits are for conditions; no
// test asserts how fast something happened.
const waitLimit = 60 * time.Second

// WaitFor polls cond until it holds; the test fails after a minute.
func (h *Harness) WaitFor(what string, cond func() bool) {
	h.t.Helper()
	deadline := time.Now().Add(waitLimit)
	for !cond() {
		if time.Now().After(deadline) {
			h.t.Fatalf("timed out waiting for %s", what)
		}
		time.Sleep(25 * time.Millisecond)
	}
}

// Get sends GET path with the bearer token (none when empty) and returns
// the status and body; the test fails if tocsin does not answer.
func (h *Harness) Get(path, token string) (int, string) {
	h.t.Helper()
	header := http.Header{}
	if token != "" {
		header.Set("Authorization", "Bearer "+token)
	}
	return h.Do(http.MethodGet, path, header, "")
}

// Readyz returns /readyz's status and body.
func (h *Harness) Readyz() (int, string) {
	h.t.Helper()
	return h.Get("/readyz", "")
}

// Incidents lists every incident through the API.
func (h *Harness) Incidents() []incident.Incident {
	h.t.Helper()
	_, body := h.Get("/api/incidents", h.Getenv("TOCSIN_API_TOKEN"))
	var incs []incident.Incident
	if err := json.Unmarshal([]byte(body), &incs); err != nil {
		h.t.Fatalf("GET /api/incidents: decode %q: %v", body, err)
	}
	return incs
}

// Incident reads one incident and its timeline through the API.
func (h *Harness) Incident(id incident.ID) web.IncidentView {
	h.t.Helper()
	code, body := h.Get("/api/incidents/"+id.String(), h.Getenv("TOCSIN_API_TOKEN"))
	var v web.IncidentView
	if err := json.Unmarshal([]byte(body), &v); code != http.StatusOK || err != nil {
		h.t.Fatalf("GET /api/incidents/%s: %d %q %v", id, code, body, err)
	}
	return v
}

// Events returns incident id's events for which keep is true; none while
// tocsin does not answer (a crash test may have killed it).
func (h *Harness) Events(id incident.ID, keep func(incident.Event) bool) []incident.Event {
	req, _ := http.NewRequest(http.MethodGet, h.URL+"/api/incidents/"+id.String(), nil)
	req.Header.Set("Authorization", "Bearer "+h.Getenv("TOCSIN_API_TOKEN"))
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		return nil
	}
	defer resp.Body.Close()
	var v web.IncidentView
	if resp.StatusCode != http.StatusOK || json.NewDecoder(resp.Body).Decode(&v) != nil {
		return nil
	}
	var out []incident.Event
	for _, e := range v.Timeline {
		if keep(e) {
			out = append(out, e)
		}
	}
	return out
}

// ChannelOf returns the Slack channel of incident n (named inc-n-…).
func (h *Harness) ChannelOf(n int) (sim.SlackChannel, bool) {
	for _, c := range h.Slack.Channels() {
		if strings.HasPrefix(c.Name, fmt.Sprintf("inc-%d-", n)) {
			return c, true
		}
	}
	return sim.SlackChannel{}, false
}

// Headers returns the messages of channel ch that carry incident n's
// header block.
func (h *Harness) Headers(ch string, n int) []sim.SlackMessage {
	var out []sim.SlackMessage
	for _, m := range h.Slack.Messages(ch) {
		if !m.Deleted && m.ThreadTS == "" && strings.Contains(string(m.Blocks), fmt.Sprintf(`"block_id":"inc:%d:header"`, n)) {
			out = append(out, m)
		}
	}
	return out
}

// WaitHeader waits for incident n's channel and its pinned header, and
// returns the channel.
func (h *Harness) WaitHeader(n int) sim.SlackChannel {
	h.t.Helper()
	var ch sim.SlackChannel
	h.WaitFor(fmt.Sprintf("INC-%d's channel and pinned header", n), func() bool {
		var ok bool
		if ch, ok = h.ChannelOf(n); !ok {
			return false
		}
		_, ok = h.PinnedHeader(ch.ID, n)
		return ok
	})
	return ch
}

// PinnedHeader returns incident n's pinned header message in channel ch.
func (h *Harness) PinnedHeader(ch string, n int) (sim.SlackMessage, bool) {
	for _, m := range h.Headers(ch, n) {
		if m.Pinned {
			return m, true
		}
	}
	return sim.SlackMessage{}, false
}

// ChannelSays reports whether some message in channel ch contains text.
func (h *Harness) ChannelSays(ch, text string) bool {
	return slices.ContainsFunc(h.Slack.Messages(ch), func(m sim.SlackMessage) bool {
		return strings.Contains(m.Text+string(m.Blocks), text)
	})
}

// OnSlack adds fn to the hooks run after each call of method (see
// sim.Slack.OnCall, which holds one hook a method).
func (h *Harness) OnSlack(method string, fn func(sim.SlackCall)) {
	h.hookMu.Lock()
	defer h.hookMu.Unlock()
	if h.slackHooks == nil {
		h.slackHooks = map[string][]func(sim.SlackCall){}
	}
	h.slackHooks[method] = append(h.slackHooks[method], fn)
	h.Slack.OnCall(method, func(c sim.SlackCall) {
		h.hookMu.Lock()
		fns := slices.Clone(h.slackHooks[method])
		h.hookMu.Unlock()
		for _, fn := range fns {
			fn(c)
		}
	})
}

// Settle waits until the stand-ins saw no call for half a second: the
// outbox has drained.
func (h *Harness) Settle() {
	h.t.Helper()
	calls := func() int {
		n := 0
		if h.Slack != nil {
			n += len(h.Slack.Calls())
		}
		if h.AWS != nil && h.AWS.SSM != nil {
			n += len(h.AWS.SSM.Calls())
		}
		if h.PD != nil {
			n += len(h.PD.Events())
		}
		return n
	}
	last := -1
	h.WaitFor("the outbox to drain", func() bool {
		n := calls()
		if n == last {
			return true
		}
		last = n
		time.Sleep(500 * time.Millisecond)
		return false
	})
}

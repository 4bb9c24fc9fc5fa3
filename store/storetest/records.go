package storetest

import (
	"errors"
	"testing"
	"time"

	"github.com/tocsin-dev/tocsin/incident"
)

// Records is everything a store holds, kind by kind, as an incident.Visitor
// hands it over: what a backend's export is collected into (Collect), and
// what a backend's import is fed (Visit).
type Records struct {
	Incidents  []incident.Incident
	Timelines  map[incident.ID][]incident.Event
	OpenKeys   map[string]incident.ID
	Alarms     map[string]incident.ID
	Channels   map[string]incident.ID
	Seen       map[string]time.Time
	Effects    []incident.Effect
	EffectKeys map[string]uint64
	KV         map[string][]byte
}

// Collect returns empty Records (every map made) and a Visitor that adds
// to them every record it is handed.
func Collect() (*Records, incident.Visitor) {
	r := &Records{Timelines: map[incident.ID][]incident.Event{}, OpenKeys: map[string]incident.ID{},
		Alarms: map[string]incident.ID{}, Channels: map[string]incident.ID{}, Seen: map[string]time.Time{},
		EffectKeys: map[string]uint64{}, KV: map[string][]byte{}}
	index := func(m map[string]incident.ID) func(string, incident.ID) error {
		return func(k string, id incident.ID) error { m[k] = id; return nil }
	}
	return r, incident.Visitor{
		Incident: func(inc incident.Incident, evs []incident.Event) error {
			r.Incidents = append(r.Incidents, inc)
			r.Timelines[inc.ID] = evs
			return nil
		},
		OpenKey:   index(r.OpenKeys),
		OpenAlarm: index(r.Alarms),
		Channel:   index(r.Channels),
		Seen:      func(k string, at time.Time) error { r.Seen[k] = at; return nil },
		Effect:    func(e incident.Effect) error { r.Effects = append(r.Effects, e); return nil },
		EffectKey: func(k string, id uint64) error { r.EffectKeys[k] = id; return nil },
		KV:        func(k string, v []byte) error { r.KV[k] = v; return nil },
	}
}

// Visit hands everything in r to v, whose funcs must all be set, and joins
// the errors they return.
func (r *Records) Visit(v incident.Visitor) error {
	var errs []error
	for _, inc := range r.Incidents {
		errs = append(errs, v.Incident(inc, r.Timelines[inc.ID]))
	}
	for _, ix := range []struct {
		m     map[string]incident.ID
		visit func(string, incident.ID) error
	}{{r.OpenKeys, v.OpenKey}, {r.Alarms, v.OpenAlarm}, {r.Channels, v.Channel}} {
		for k, id := range ix.m {
			errs = append(errs, ix.visit(k, id))
		}
	}
	for k, at := range r.Seen {
		errs = append(errs, v.Seen(k, at))
	}
	for _, e := range r.Effects {
		errs = append(errs, v.Effect(e))
	}
	for k, id := range r.EffectKeys {
		errs = append(errs, v.EffectKey(k, id))
	}
	for k, val := range r.KV {
		errs = append(errs, v.KV(k, val))
	}
	return errors.Join(errs...)
}

// Add chains evs as the whole timeline of incident id and adds it, with
// the incident it folds to, to r's incidents; it returns that incident.
func (r *Records) Add(tb testing.TB, id incident.ID, evs ...incident.Event) incident.Incident {
	tb.Helper()
	inc := Timeline(tb, id, evs)
	if r.Timelines == nil {
		r.Timelines = map[incident.ID][]incident.Event{}
	}
	r.Incidents = append(r.Incidents, inc)
	r.Timelines[id] = evs
	return inc
}

// Timeline chains evs, in place, as the whole timeline of incident id, the
// way a store writes it (each event's hash over the one before), and
// returns the incident they fold to.
func Timeline(tb testing.TB, id incident.ID, evs []incident.Event) incident.Incident {
	tb.Helper()
	prev := ""
	for i := range evs {
		evs[i].Chain(id, i, prev)
		prev = evs[i].Hash
	}
	inc, err := incident.Replay(evs)
	if err != nil {
		tb.Fatalf("replay %s: %v", id, err)
	}
	return inc
}

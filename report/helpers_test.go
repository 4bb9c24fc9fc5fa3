package report

import (
	"testing"
	"time"

	"github.com/tocsin-dev/tocsin/incident"
)

// timeline builds a real, hash-chained timeline for one incident.
type timeline struct {
	tb     testing.TB
	id     incident.ID
	events []incident.Event
}

func newTimeline(tb testing.TB, id incident.ID) *timeline {
	tb.Helper()
	return &timeline{tb: tb, id: id}
}

// add chains an event; kv are Data keys and values in pairs.
func (tl *timeline) add(at time.Time, typ incident.EventType, actor, text string, kv ...string) *timeline {
	tl.tb.Helper()
	e := incident.Event{Type: typ, At: at, Actor: actor, Text: text}
	if len(kv) > 0 {
		e.Data = map[string]string{}
		for i := 0; i+1 < len(kv); i += 2 {
			e.Data[kv[i]] = kv[i+1]
		}
	}
	prevSeq, prevHash := 0, ""
	if n := len(tl.events); n > 0 {
		prevSeq, prevHash = tl.events[n-1].Seq, tl.events[n-1].Hash
	}
	e.Chain(tl.id, prevSeq, prevHash)
	tl.events = append(tl.events, e)
	return tl
}

// incident folds the timeline with incident.Replay.
func (tl *timeline) incident() incident.Incident {
	tl.tb.Helper()
	inc, err := incident.Replay(tl.events)
	if err != nil {
		tl.tb.Fatalf("replay %s: %v", tl.id, err)
	}
	return inc
}

func mustTime(tb testing.TB, s string) time.Time {
	tb.Helper()
	t, err := time.Parse(time.RFC3339, s)
	if err != nil {
		tb.Fatal(err)
	}
	return t
}

package dispatch_test

import (
	"testing"
	"time"

	"github.com/tocsin-dev/tocsin/dispatch"
	"github.com/tocsin-dev/tocsin/incident"
)

func TestNote_CapturedMessageEditedAndDeleted(t *testing.T) {
	h := newHarness(t)
	id := declare(h)
	h.do(dispatch.Command{Kind: dispatch.Note, Incident: id, Actor: "U0ALICE", Text: "db failover started",
		Data: map[string]string{"message_ts": "1700000000.000100", "files": "graph.png"}})
	h.do(dispatch.Command{Kind: dispatch.Note, Incident: id, Actor: "slack", Text: "db failover finished",
		Data: map[string]string{"message_ts": "1700000000.000100", "edited": "true"}})
	h.do(dispatch.Command{Kind: dispatch.Note, Incident: id, Actor: "slack",
		Data: map[string]string{"message_ts": "1700000000.000100", "deleted": "true"}})
	h.do(dispatch.Command{Kind: dispatch.Note, Incident: id, Actor: "slack", Text: "unrelated",
		Data: map[string]string{"message_ts": "1700000000.999999", "edited": "true"}}) // never captured
	var notes []incident.Event
	for _, e := range h.timeline(id) {
		if e.Type == incident.EventNote {
			notes = append(notes, e)
		}
	}
	if len(notes) != 3 || notes[0].Data["files"] != "graph.png" || notes[1].Text != "db failover finished" || notes[2].Data["deleted"] == "" {
		t.Errorf("notes = %+v; want the capture, its edit and its deletion, and nothing for an uncaptured message", notes)
	}
}

func TestChannel_ArchivedAfterCloseAndBackOnReopen(t *testing.T) {
	h := newHarness(t)
	id := declare(h)
	for _, k := range []dispatch.Kind{dispatch.Resolve, dispatch.Close} {
		h.do(dispatch.Command{Kind: k, Incident: id, Actor: "U0ALICE"})
	}
	h.drain()
	h.clock.Advance(23 * time.Hour)
	h.drain()
	if contains(h.slack.kinds, string(dispatch.EffSlackArchive)) {
		t.Fatal("archived before the quiet period ended")
	}
	h.do(dispatch.Command{Kind: dispatch.Reopen, Incident: id, Actor: "U0ALICE", Text: "errors are back"})
	h.clock.Advance(2 * time.Hour)
	h.drain()
	if contains(h.slack.kinds, string(dispatch.EffSlackArchive)) || !contains(h.slack.kinds, string(dispatch.EffSlackUnarchive)) {
		t.Errorf("after reopen: %v; want the archive cancelled and the channel unarchived", h.slack.kinds)
	}
	h.do(dispatch.Command{Kind: dispatch.Resolve, Incident: id, Actor: "U0ALICE"})
	h.do(dispatch.Command{Kind: dispatch.Close, Incident: id, Actor: "U0ALICE"})
	h.clock.Advance(25 * time.Hour)
	h.drain()
	if !contains(h.slack.kinds, string(dispatch.EffSlackArchive)) {
		t.Errorf("not archived after the quiet period: %v", h.slack.kinds)
	}
}

package store_test

import (
	"context"
	"errors"
	"fmt"
	"sync"
	"testing"

	"github.com/google/go-cmp/cmp"

	"github.com/tocsin-dev/tocsin/incident"
)

// Within one group commit the store reuses the incidents it decoded; a
// writer that fails rolls the batch back, and nothing it appended may
// survive in the cache or on disk.
func TestDB_CacheAcrossFailedBatchMembers(t *testing.T) {
	db, _ := MustOpenDB(t)
	ctx := context.Background()
	id := mustOpenIncident(t, db, "g", "arn:a")
	errBoom := errors.New("boom")
	var wg sync.WaitGroup
	var mu sync.Mutex
	ok := 0
	for w := 0; w < 64; w++ {
		wg.Add(1)
		go func(w int) {
			defer wg.Done()
			err := db.Update(ctx, func(tx incident.Tx) error {
				if _, err := tx.Append(id, incident.Event{Type: incident.EventNote, Actor: "w", Text: fmt.Sprint(w)}); err != nil {
					return err
				}
				if w%4 == 0 {
					return errBoom // after appending: the append must vanish
				}
				return nil
			})
			if err == nil {
				mu.Lock()
				ok++
				mu.Unlock()
			}
		}(w)
	}
	wg.Wait()
	inc, evs, err := db.Timeline(ctx, id)
	if err != nil {
		t.Fatal(err)
	}
	if len(evs) != 1+ok || ok != 48 {
		t.Errorf("events = %d after %d successful appends; want %d", len(evs), ok, 1+ok)
	}
	replayed, err := incident.Replay(evs)
	if err != nil {
		t.Fatal(err)
	}
	if diff := cmp.Diff(replayed, inc); diff != "" {
		t.Errorf("stored incident differs from its timeline (-replayed +stored):\n%s", diff)
	}
	for _, e := range evs {
		if e.Text != "" && e.Text[0] != 0 {
			var n int
			fmt.Sscan(e.Text, &n)
			if n%4 == 0 && e.Type == incident.EventNote {
				t.Errorf("an append from a failed writer survived: %q", e.Text)
			}
		}
	}
}

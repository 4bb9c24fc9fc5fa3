package pgstore_test

import (
	"context"
	"errors"
	"fmt"
	"slices"
	"sync"
	"testing"

	"github.com/jackc/pgx/v5/pgconn"

	"github.com/tocsin-dev/tocsin/incident"
	"github.com/tocsin-dev/tocsin/pgstore"
)

// appendNote is a write that appends a note to id and counts its runs.
func appendNote(id incident.ID, text string, runs *int) func(incident.Tx) error {
	return func(tx incident.Tx) error {
		*runs++
		_, err := tx.Append(id, note(text))
		return err
	}
}

// notes are the texts of a timeline's notes, in order, after checking that
// its hash chain verifies.
func notes(t *testing.T, db *pgstore.DB, id incident.ID) []string {
	t.Helper()
	_, evs, err := db.Timeline(context.Background(), id)
	if err != nil {
		t.Fatal(err)
	}
	if err := incident.Verify(evs); err != nil {
		t.Fatalf("the timeline does not verify: %v", err)
	}
	var out []string
	for _, e := range evs {
		if e.Type == incident.EventNote {
			out = append(out, e.Text)
		}
	}
	return out
}

// Writes batched together share one transaction, and each sees what the
// ones before it wrote.
func TestBatch_SharesOneTransaction(t *testing.T) {
	t.Parallel()
	db := MustOpenDB(t)
	id := mustOpenIncident(t, db, "svc:api", "arn:a")
	var txids []int64
	var seen []int
	write := func(text string) func(incident.Tx) error {
		return func(tx incident.Tx) error {
			inc, err := tx.Append(id, note(text))
			if err != nil {
				return err
			}
			seen = append(seen, inc.Events)
			txid, err := pgstore.TxID(tx)
			txids = append(txids, txid)
			return err
		}
	}
	errs := db.UpdateTogether(t.Context(), write("a"), write("b"), write("c"))
	if err := errors.Join(errs...); err != nil {
		t.Fatal(err)
	}
	if len(slices.Compact(slices.Clone(txids))) != 1 {
		t.Errorf("the batch ran in transactions %v, want one", txids)
	}
	if !slices.Equal(seen, []int{2, 3, 4}) {
		t.Errorf("the writes saw %v events after their appends, want 2, 3, 4", seen)
	}
	if got := notes(t, db, id); !slices.Equal(got, []string{"a", "b", "c"}) {
		t.Errorf("notes %q, want a, b, c", got)
	}
}

// A write whose function fails, or whose statement fails (aborting the
// whole transaction) even though its function ignores the error, or that
// is fenced, gets its own error and changes nothing; the writes batched
// with it are run again alone and commit.
func TestBatch_FailingWriteIsolated(t *testing.T) {
	t.Parallel()
	errBoom := errors.New("boom")
	for _, tc := range []struct {
		name  string
		fails func(id incident.ID) func(incident.Tx) error
		want  func(error) bool
		// runs is how often the writes before and after the failing one
		// run: those before in the batch and then alone; those after only
		// alone, unless the failure surfaced after them (a queued write's
		// error surfaces with the next statement sent, here COMMIT).
		runs [2]int
	}{
		{"function error", func(id incident.ID) func(incident.Tx) error {
			return func(tx incident.Tx) error {
				if _, err := tx.Append(id, note("failed")); err != nil {
					return err
				}
				return errBoom
			}
		}, func(err error) bool { return errors.Is(err, errBoom) }, [2]int{2, 1}},
		{"statement error ignored", func(id incident.ID) func(incident.Tx) error {
			return func(tx incident.Tx) error {
				if _, err := tx.Append(id, note("failed")); err != nil {
					return err
				}
				tx.Remember("msg:\x00", t0) // PostgreSQL's text holds no NUL: 22021
				return nil
			}
		}, func(err error) bool {
			var pe *pgconn.PgError
			return errors.As(err, &pe) && pe.Code == "22021"
		}, [2]int{2, 2}},
		{"fenced", func(id incident.ID) func(incident.Tx) error {
			return func(tx incident.Tx) error {
				if _, err := tx.Append(id, note("failed")); err != nil {
					return err
				}
				return tx.Complete(1) // behind a Leader that has not led
			}
		}, func(err error) bool { return errors.Is(err, pgstore.ErrFenced) }, [2]int{2, 1}},
	} {
		t.Run(tc.name, func(t *testing.T) {
			t.Parallel()
			db := MustOpenDB(t)
			if tc.name == "fenced" {
				pgstore.NewLeader(db, pgstore.LeaderOptions{Name: t.Name()})
			}
			id := mustOpenIncident(t, db, "svc:api", "arn:a")
			var runs [2]int
			errs := db.UpdateTogether(t.Context(),
				appendNote(id, "before", &runs[0]),
				tc.fails(id),
				func(tx incident.Tx) error {
					runs[1]++
					if err := tx.Remember("msg:after", t0); err != nil {
						return err
					}
					_, err := tx.Append(id, note("after"))
					return err
				})
			if errs[0] != nil || errs[2] != nil || !tc.want(errs[1]) {
				t.Fatalf("answers %v; want nil, the failing write's own error, nil", errs)
			}
			if runs != tc.runs {
				t.Errorf("the writes before and after the failing one ran %v times, want %v", runs, tc.runs)
			}
			if got := notes(t, db, id); !slices.Equal(got, []string{"before", "after"}) {
				t.Errorf("notes %q, want before, after: the failed write changed nothing", got)
			}
			err := db.View(func(tx incident.Tx) error {
				seen, err := tx.Seen("msg:after")
				if err == nil && !seen {
					err = errors.New("msg:after was not remembered")
				}
				return err
			})
			if err != nil {
				t.Error(err)
			}
		})
	}
}

// The batch's connection is killed while a write in it runs: nothing of
// the batch had been answered, nothing of it was committed, and each write
// runs again alone and commits once.
func TestBatch_ConnectionKilled(t *testing.T) {
	t.Parallel()
	db := MustOpenDB(t)
	id := mustOpenIncident(t, db, "svc:api", "arn:a")
	var runs [3]int
	errs := db.UpdateTogether(t.Context(),
		appendNote(id, "a", &runs[0]),
		func(tx incident.Tx) error {
			runs[1]++
			if _, err := tx.Append(id, note("b")); err != nil {
				return err
			}
			if runs[1] == 1 {
				exec(t, adminURL(t), `SELECT pg_terminate_backend($1)`, pgstore.BackendPID(tx))
			}
			_, err := tx.Incident(id + 1000) // the next statement meets the dead connection
			if errors.Is(err, incident.ErrNotFound) {
				err = nil
			}
			return err
		},
		appendNote(id, "c", &runs[2]))
	if err := errors.Join(errs...); err != nil {
		t.Fatalf("answers %v, want all nil", errs)
	}
	if runs != [3]int{2, 2, 1} {
		t.Errorf("runs %v, want 2, 2, 1 (a and b in the killed batch, then each alone)", runs)
	}
	if got := notes(t, db, id); !slices.Equal(got, []string{"a", "b", "c"}) {
		t.Errorf("notes %q, want a, b, c once each", got)
	}
}

// Many writers append to one incident at once, through Update's batches:
// every acknowledged append is on the timeline once, in a hash chain that
// verifies.
func TestBatch_ConcurrentWritersOneIncident(t *testing.T) {
	t.Parallel()
	db := MustOpenDB(t)
	id := mustOpenIncident(t, db, "svc:api", "arn:a")
	const writers, each = 32, 10
	var wg sync.WaitGroup
	for w := range writers {
		wg.Go(func() {
			for i := range each {
				key := fmt.Sprintf("msg:%d-%d", w, i)
				err := db.Update(t.Context(), func(tx incident.Tx) error {
					if seen, err := tx.Seen(key); err != nil || seen {
						return err
					}
					if err := tx.Remember(key, t0); err != nil {
						return err
					}
					_, err := tx.Append(id, note(key))
					return err
				})
				if err != nil {
					t.Error(err)
				}
			}
		})
	}
	wg.Wait()
	got := notes(t, db, id)
	slices.Sort(got)
	if len(got) != writers*each || len(slices.Compact(got)) != writers*each {
		t.Errorf("%d notes (%d distinct), want %d once each", len(got), len(slices.Compact(got)), writers*each)
	}
}

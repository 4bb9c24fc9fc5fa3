package storetest

import (
	"context"
	"errors"
	"fmt"
	"testing"
	"time"

	"github.com/google/go-cmp/cmp"

	"github.com/tocsin-dev/tocsin/incident"
)

// forgetBehaviours: ForgetBefore, which the idempotency-key sweeper calls
// on the leader, forgets only expired SNS and Slack keys, in batches.
var forgetBehaviours = []behaviour{
	{"Forget/Redelivery", testForgetRedelivery},
	{"Forget/Batches", testForgetBatches},
	{"Forget/OnlyExpiredKeys", testForgetOnlyExpiredKeys},
	{"Forget/Canceled", testForgetCanceled},
	{"Forget/ErrInvalid", testForgetErrInvalid},
}

const week = 7 * 24 * time.Hour

// Deliver handles a delivery as the dispatch engine does (Seen, then
// Remember at at) and reports whether it was new.
func Deliver(t *testing.T, db Backend, key string, at time.Time) bool {
	t.Helper()
	first := false
	update(t, db, func(tx incident.Tx) error {
		first = false // Update may run fn again
		seen, err := tx.Seen(key)
		if err != nil || seen {
			return err
		}
		first = true
		return tx.Remember(key, at)
	})
	return first
}

// SeenKeys returns which of keys the store still remembers.
func SeenKeys(t *testing.T, db Backend, keys ...string) []string {
	t.Helper()
	var out []string
	view(t, db, func(tx incident.Tx) error {
		out = nil
		for _, k := range keys {
			if seen, err := tx.Seen(k); err != nil {
				return err
			} else if seen {
				out = append(out, k)
			}
		}
		return nil
	})
	return out
}

// forget is ForgetBefore(now - a week), which must succeed.
func forget(t *testing.T, db Backend, now time.Time, max int) int {
	t.Helper()
	n, err := db.ForgetBefore(context.Background(), now.Add(-week), max)
	if err != nil {
		t.Fatal(err)
	}
	return n
}

// testForgetRedelivery: a key is remembered for the whole retention, then
// forgotten, and a delivery after that is new again.
func testForgetRedelivery(t *testing.T, db Backend) {
	now := T0
	Deliver(t, db, "msg:m1", now)
	now = now.Add(time.Hour) // SNS's last retry comes about an hour later
	forget(t, db, now, 256)
	if Deliver(t, db, "msg:m1", now) {
		t.Error("a redelivery within the retention was handled as new")
	}
	now = now.Add(week - time.Hour - time.Second)
	forget(t, db, now, 256)
	if Deliver(t, db, "msg:m1", now) {
		t.Error("a redelivery a second before the retention ends was handled as new")
	}
	now = now.Add(2 * time.Second)
	if n := forget(t, db, now, 256); n != 1 {
		t.Errorf("ForgetBefore forgot %d keys, want 1", n)
	}
	if !Deliver(t, db, "msg:m1", now) {
		t.Error("a delivery after the retention and a sweep is still seen")
	}
}

// testForgetBatches: dense old keys under cmd:, deleted 50 per transaction,
// and sparse ones under msg:, more than one read apart.
func testForgetBatches(t *testing.T, db Backend) {
	var old, kept []string
	update(t, db, func(tx incident.Tx) error {
		old, kept = nil, nil
		for i := range 10000 {
			k, expired := fmt.Sprintf("msg:%05d", i), i%900 == 899
			if i < 1000 {
				k, expired = fmt.Sprintf("cmd:%05d", i), i%2 == 0
			}
			at := T0
			if expired {
				at = T0.Add(-week - time.Minute)
				old = append(old, k)
			} else {
				kept = append(kept, k)
			}
			if err := tx.Remember(k, at); err != nil {
				return err
			}
		}
		return nil
	})
	if n := forget(t, db, T0, 50); n != len(old) {
		t.Errorf("ForgetBefore forgot %d keys, want %d", n, len(old))
	}
	if got := SeenKeys(t, db, old...); len(got) != 0 {
		t.Errorf("%d old keys remembered after ForgetBefore, as %q", len(got), got[0])
	}
	if got := SeenKeys(t, db, kept...); len(got) != len(kept) {
		t.Errorf("%d of %d new keys remembered after ForgetBefore", len(got), len(kept))
	}
}

// testForgetOnlyExpiredKeys: only msg: and cmd: keys are forgotten, never a
// Slack key whose command is still in the inbox, and never the key-value
// area.
func testForgetOnlyExpiredKeys(t *testing.T, db Backend) {
	ctx := context.Background()
	old := T0.Add(-30 * 24 * time.Hour)
	keys := []string{"msg:gone", "cmd:gone", "cmd:queued", "digest/2026-10-05T09:00:00Z", "zzz:other", "aaa:other"}
	for _, k := range keys {
		Deliver(t, db, k, old)
	}
	// A command acknowledged but not run: the inbox replays it after the
	// outage and must find that it ran.
	for _, k := range []string{"inbox/slack/queued", "inbox/slack/gone-but-not-a-key", "certs/https://sns"} {
		if err := db.Put(ctx, k, []byte("{}")); err != nil {
			t.Fatal(err)
		}
	}
	if n := forget(t, db, T0.Add(week), 256); n != 2 {
		t.Errorf("ForgetBefore forgot %d keys, want 2", n)
	}
	want := []string{"cmd:queued", "digest/2026-10-05T09:00:00Z", "zzz:other", "aaa:other"}
	if diff := cmp.Diff(want, SeenKeys(t, db, keys...)); diff != "" {
		t.Errorf("keys remembered (-want +got):\n%s", diff)
	}
	kv, err := db.Scan("")
	if err != nil {
		t.Fatal(err)
	}
	if len(kv) != 3 {
		t.Errorf("key-value area has %d entries after ForgetBefore, want the 3 put", len(kv))
	}
}

// testForgetCanceled: an ended context forgets nothing.
func testForgetCanceled(t *testing.T, db Backend) {
	Deliver(t, db, "msg:old", T0.Add(-week-time.Hour))
	ctx, cancel := context.WithCancel(context.Background())
	cancel()
	if _, err := db.ForgetBefore(ctx, T0, 10); !errors.Is(err, context.Canceled) {
		t.Errorf("ForgetBefore with an ended context = %v, want context.Canceled", err)
	}
	if len(SeenKeys(t, db, "msg:old")) != 1 {
		t.Error("ForgetBefore with an ended context forgot a key")
	}
}

// testForgetErrInvalid: a batch of no keys is refused.
func testForgetErrInvalid(t *testing.T, db Backend) {
	if _, err := db.ForgetBefore(context.Background(), T0, 0); !errors.Is(err, incident.ErrInvalid) {
		t.Errorf("ForgetBefore(max 0) = %v, want ErrInvalid", err)
	}
}

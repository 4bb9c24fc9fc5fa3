package pgstore_test

import (
	"context"
	"testing"
	"time"

	"github.com/tocsin-dev/tocsin/pgstore/pgtest"
)

// A replica is present while it holds its presence, as seen from another
// replica, and absent once it stops (or its session ends).
func TestPresence(t *testing.T) {
	dbURL := pgtest.FreshSchema(t)
	a, b := mustOpen(t, dbURL, time.Now), mustOpen(t, dbURL, time.Now)
	ctx, cancel := context.WithCancel(context.Background())
	done := make(chan error, 1)
	go func() { done <- a.HoldPresence(ctx, "boot-a") }()
	waitPresent := func(name string, want bool) {
		t.Helper()
		deadline := time.Now().Add(30 * time.Second)
		for {
			got, err := b.Present(context.Background(), name)
			if err != nil {
				t.Fatal(err)
			}
			if got == want {
				return
			}
			if time.Now().After(deadline) {
				t.Fatalf("Present(%s) stayed %v", name, got)
			}
			time.Sleep(10 * time.Millisecond)
		}
	}
	waitPresent("boot-a", true)
	if ok, _ := b.Present(context.Background(), "boot-b"); ok {
		t.Error("a replica that never held its presence is present")
	}
	cancel()
	if err := <-done; err != nil {
		t.Fatal(err)
	}
	waitPresent("boot-a", false)

	// Terminating the session ends the presence; it is taken again.
	ctx, cancel = context.WithCancel(context.Background())
	defer cancel()
	go a.HoldPresence(ctx, "boot-a")
	waitPresent("boot-a", true)
	pgtest.Exec(t, dbURL, `SELECT pg_terminate_backend(pid) FROM pg_stat_activity WHERE application_name = 'tocsin replica ' || current_schema()`)
	waitPresent("boot-a", true)
}

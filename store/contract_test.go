package store_test

import (
	"path/filepath"
	"testing"

	"github.com/tocsin-dev/tocsin/store"
	"github.com/tocsin-dev/tocsin/store/storetest"
)

// TestDB_Contract runs the store contract against bbolt, the reference
// every other backend is held to.
func TestDB_Contract(t *testing.T) {
	storetest.Run(t, func(t *testing.T) storetest.Backend {
		db, err := store.Open(filepath.Join(t.TempDir(), "tocsin.db"), store.Options{Now: storetest.Now})
		if err != nil {
			t.Fatal(err)
		}
		t.Cleanup(func() { db.Close() })
		return db
	})
}

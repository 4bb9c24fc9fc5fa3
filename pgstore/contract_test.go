package pgstore_test

import (
	"testing"

	"github.com/tocsin-dev/tocsin/pgstore"
	"github.com/tocsin-dev/tocsin/store/storetest"
)

// The adapters satisfy the interfaces their consumers declare.
var _ storetest.Backend = (*pgstore.DB)(nil)

// TestDB_Contract runs the store contract, which the bbolt store passes,
// against PostgreSQL.
func TestDB_Contract(t *testing.T) {
	adminURL(t)
	storetest.Run(t, func(t *testing.T) storetest.Backend {
		return mustOpen(t, freshSchema(t), storetest.Now)
	})
}

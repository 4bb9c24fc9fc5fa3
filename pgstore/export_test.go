package pgstore

import (
	"context"
	"errors"

	"github.com/tocsin-dev/tocsin/incident"
)

// UpdateTogether runs fns as one batch of the committer's (commitBatch),
// in this order, and then each that must run alone as Update would; it
// returns each one's answer. Tests use it to make a batch without racing
// writers.
func (db *DB) UpdateTogether(ctx context.Context, fns ...func(incident.Tx) error) []error {
	ws := make([]*write, len(fns))
	for i, fn := range fns {
		ws[i] = &write{ctx: ctx, fn: func(t *Tx) error { return fn(t) }, done: make(chan error, 1)}
	}
	db.commitBatch(ws)
	errs := make([]error, len(ws))
	for i, w := range ws {
		errs[i] = <-w.done
		if errors.Is(errs[i], errAlone) {
			errs[i] = db.alone(ctx, w.fn)
		}
	}
	return errs
}

// TxID is the transaction's id in PostgreSQL (txid_current()).
func TxID(tx incident.Tx) (int64, error) {
	t := tx.(*Tx)
	var id int64
	err := t.scan(`SELECT txid_current()`, nil, &id)
	return id, err
}

// BackendPID is the server process of the transaction's connection.
func BackendPID(tx incident.Tx) uint32 { return tx.(*Tx).pooled.Conn().PgConn().PID() }

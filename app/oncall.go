package app

import (
	"context"
	"encoding/json"
	"fmt"
	"sort"
	"time"

	"github.com/tocsin-dev/tocsin/dispatch"
	"github.com/tocsin-dev/tocsin/oncall"
)

// overridePrefix is where the on-call overrides taken from chat live in
// the store's key-value area, one JSON value per override under the
// command's idempotency key: durable, and shared by every replica of a
// PostgreSQL store.
const overridePrefix = "oncall/override/"

// overrideKeep is how long an ended override is kept before the next one
// taken removes it.
const overrideKeep = 7 * 24 * time.Hour

// overrideStore implements dispatch.OverrideStore on the key-value area.
type overrideStore struct {
	db  Store
	now func() time.Time
}

var _ dispatch.OverrideStore = overrideStore{}

// storedOverride is an override as stored; V is the schema version.
type storedOverride struct {
	V int `json:"v"`
	oncall.Override
}

// Overrides returns every stored override, the most recently begun first.
func (s overrideStore) Overrides(ctx context.Context) ([]oncall.Override, error) {
	all, err := s.db.Scan(overridePrefix)
	if err != nil {
		return nil, err
	}
	keys := make([]string, 0, len(all))
	for k := range all {
		keys = append(keys, k)
	}
	sort.Strings(keys)
	out := make([]oncall.Override, 0, len(all))
	for _, k := range keys {
		var v storedOverride
		if err := json.Unmarshal(all[k], &v); err != nil || v.V != 1 {
			return nil, fmt.Errorf("read on-call override %s: not a version 1 override", k)
		}
		out = append(out, v.Override)
	}
	sort.SliceStable(out, func(i, j int) bool { return out[i].From.After(out[j].From) })
	return out, nil
}

// AddOverride records o under key, durably, and forgets overrides that
// ended more than overrideKeep ago.
func (s overrideStore) AddOverride(ctx context.Context, key string, o oncall.Override) error {
	o.From, o.To = o.From.UTC(), o.To.UTC()
	v, err := json.Marshal(storedOverride{V: 1, Override: o})
	if err != nil {
		return err
	}
	if err := s.db.Put(ctx, overridePrefix+key, v); err != nil {
		return err
	}
	all, err := s.db.Scan(overridePrefix)
	if err != nil {
		return err
	}
	for k, raw := range all {
		var old storedOverride
		if json.Unmarshal(raw, &old) == nil && old.To.Before(s.now().Add(-overrideKeep)) {
			if err := s.db.Delete(ctx, k); err != nil {
				return err
			}
		}
	}
	return nil
}

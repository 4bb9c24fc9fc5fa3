// Package store keeps tocsin's state in one bbolt file: incidents, their
// timelines, the indexes of open incidents, idempotency keys, the durable
// outbox of side effects, and a small key-value area (certificate cache,
// digest schedule). It implements incident.Tx.
//
// Rules, from bbolt's own: every write is a managed transaction committed
// with fsync before the caller hears success (NoSync is never set); many
// small writes arriving at once are group-committed by the store's one
// writer (commit.go: everything queued runs in one transaction, each
// incident is decoded and encoded once per commit, and a lone write does not
// wait), whose functions may run more than once and so must be idempotent; values are
// copied out before a transaction ends; no transaction is held across a
// network call. A second process opening the same file fails after
// Options.Timeout instead of hanging on the lock.
//
// store imports only incident and bbolt. Nothing outside store may depend on
// bbolt: consumers reach it through their own small interfaces, so that a
// replicated backend can replace it (see DESIGN.md).
package store

// Package store keeps tocsin's state in one bbolt file: incidents, their
// timelines, the indexes of open incidents, idempotency keys, the durable
// outbox of side effects, and a small key-value area (certificate cache,
// digest schedule). It implements incident.Tx.
//
// Rules, from bbolt's own: every write is a managed transaction committed
// with fsync before the caller hears success (NoSync is never set); many
// small writes arriving at once are group-committed by the store's one
// writer (commit.go: everything queued runs in one transaction, each
// incident is encoded once per commit, and a lone write does not wait),
// whose functions may run more than once and so must be idempotent; values
// are copied out before a transaction ends; no transaction is held across a
// network call.
//
// What keeps an alarm storm cheap (bench/storm measures it): the committer
// keeps the open incidents as the last commit left them (cache.go), so a
// write decodes nothing it wrote before; incidents handed out are shared
// and folded copy-on-write; and since schema v3 (layout.go) an incident's
// events and linked alarms live in nested buckets of their own, so a
// changed alarm rewrites one small entry, not a record that grows with
// every alarm linked. A Sweeper forgets SNS and Slack idempotency keys once
// no redelivery can come, in small batches that hold the writer for a few
// milliseconds at a time (forget.go). buckets.go lists every bucket and key. A second process opening the same file fails after
// Options.Timeout instead of hanging on the lock.
//
// A damaged file (pages that are not what bbolt wrote: a failing disk, a
// copy cut short) is refused by Open with ErrDamaged, naming the file and
// the way out, before bbolt maps it (check.go, pages.go). Every
// transaction runs guarded (damage.go), so damage met later fails the
// request that meets it, never the process, and stops further writes.
// Check lists all that is wrong with a file, hash chains included, for
// `tocsin check --store`.
//
// store imports only incident and bbolt. Nothing outside store may depend on
// bbolt: consumers reach it through their own small interfaces, so that a
// replicated backend can replace it (see DESIGN.md).
package store

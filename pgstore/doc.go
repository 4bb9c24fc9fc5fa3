// Package pgstore keeps tocsin's state in PostgreSQL, with the contract of
// package store (bbolt): the same methods, the same incident.Tx, checked by
// the same suite (store/storetest), so that tocsin can run on a replicated
// database (Amazon RDS or Aurora with Multi-AZ failover) instead of a file
// on one machine (DESIGN.md, "Growing past one machine"). Open takes a
// postgres:// or postgresql:// URL; pgxpool's settings (pool_max_conns, …)
// go in its query.
//
// It owns the schema, in migrations/ (embedded, applied by Open in order,
// each once, in a transaction of its own, under a session advisory lock so
// that processes starting together apply it once, and recorded in
// tocsin_schema; a schema newer than the code is refused with
// ErrSchemaTooNew). Version 1:
//
//	incidents  id, open, events, held_key, body   the fold of each timeline,
//	           without its alarms; events (the count) is the row's version;
//	           held_key is the group key while it indexes the incident
//	events     incident_id, seq, hash, body       the timelines, append-only
//	alarms     incident_id, n, arn, held_arn, body  the n-th alarm linked;
//	           held_arn is the ARN while it indexes the open incident
//	channels   channel_id, incident_id
//	seen       key, at                            idempotency keys
//	outbox     id, incident_id, kind, ordered, not_before (unix ns), key,
//	           held_key, body                     effects; held_key is the
//	           coalescing key while the effect holds it
//	kv         key, value                         certs/, digest/, review/, inbox/
//	meta       name, value                        the /readyz heartbeat
//
// Bodies are the JSON the bbolt store writes (type json, kept verbatim), and
// events are chained by incident.Event.Chain as there, so incident.Verify
// and incident.Replay hold of either store's timelines.
//
// # What one process did alone, and how it stays correct here
//
// One writer. The bbolt store runs every write in one goroutine, so each
// transaction sees all that committed before it. Here writers run at once,
// in this process and in others. Update is one READ COMMITTED transaction
// in which every incident read is locked (SELECT … FOR NO KEY UPDATE) to
// the commit, so writers to one incident take turns; a lookup (OpenByKey,
// OpenByAlarm, ByChannel) locks the incident it finds and looks again if a
// commit changed it meanwhile. What two writers could both find missing
// and both create is guarded by a unique index: one open incident holding
// a group key (incidents_held_key), one open incident per alarm
// (alarms_held_arn), one record per idempotency key (seen_pkey), one
// pending effect per coalescing key (outbox_held_key). A transaction that
// looked for one of these, found it missing and then writes it must be the
// first: if a concurrent one got there before, its write fails on the
// index, and it is rolled back and run again, like a serialization
// failure (40001) or a deadlock (40P01), up to ten times; run again, it
// finds the winner's row, which is what a serial order would have given.
// A function may therefore run more than once: the same rule as the bbolt
// store's group commit.
//
// The committer's cache. The bbolt store keeps open incidents decoded as
// its last commit left them. Here (cache.go) such an entry is a candidate
// checked against the row's version, which the lock returns: a hit costs
// the lock's round trip, a miss reads the incident and its alarms in one
// statement. Entries are learned after a successful commit only.
//
// Incident numbers come from a sequence, so numbers are unique and
// increase, but a rolled-back or retried Open leaves a gap (INC-7, INC-9),
// which bbolt's NextSequence never does.
//
// The outbox's pending count is bbolt's bucket key count; here it is
// SELECT count(*) over the outbox, which dispatch keeps small
// (TOCSIN_MAX_PENDING). A maintained counter would be one row that every
// enqueue of every writer updates, serialising them all. If the database
// does not answer, Pending returns the last count it read.
//
// Outbox order. Effects are due in id order, and ids are handed out at
// insert, not at commit; for an ordered effect that could put a later
// message first, so Enqueue takes a transaction advisory lock of the
// incident's ordered effects before the insert: the next writer's ordered
// effect of the incident gets its id after this commit.
//
// Durability. Commit returns once PostgreSQL has flushed its WAL
// (synchronous_commit on, the default; with it off an acknowledged alarm
// can be lost in a crash). On Multi-AZ RDS it is on the standby too.
// Nothing is acknowledged before that: the same rule as bbolt's fsync.
//
// One known difference: CountOpenKeys (the storm guard) is not serialised
// with concurrent Opens of other group keys, so alarms of several groups
// arriving together may each open an incident where a serial order would
// have made the last of them join the storm incident.
//
// Keys are text here (group keys, ARNs, channel ids, idempotency and kv
// keys), and PostgreSQL's text holds neither a NUL byte nor invalid UTF-8:
// a write with such a key fails (SQLSTATE 22021) where bbolt would take
// any bytes. The keys tocsin makes come from decoded JSON and from AWS and
// Slack identifiers, which are UTF-8 without control characters. Bodies
// are JSON and hold anything.
//
// What the bbolt store has and pgstore has not: Backup and BackupFile (use
// the database's snapshots or pg_dump), Size, Path, UpdateOne (there is no
// committer to bypass), Forget and the Sweeper of old idempotency keys.
//
// # Left for several replicas (issue 16's next steps)
//
// Until these exist, run one tocsin per database, as with a bbolt file:
// Due hands every due effect to whoever asks, and the engine wakes only
// its own process's worker.
//   - A leader lease: one replica runs the once-per-cluster work (the
//     outbox worker, timers, the digest schedule, reconciliation) while it
//     holds a session advisory lock.
//   - Fencing epochs: each leadership term takes an epoch from a sequence;
//     outbox rows get claimed_by and epoch columns (migration 0002) and the
//     worker's writes (Retry, Unkey, Complete) carry the epoch, so that a
//     deposed leader's late writes are refused.
//   - LISTEN/NOTIFY after commits that enqueue, to wake the leader's worker
//     from another replica (today its poll finds the work).
//   - migrate-store: copying a bbolt file into a database (incidents with
//     their numbers, timelines, alarms, indexes, outbox, kv, seen), and
//     setting the sequence past the last number.
//   - Forget, with an index on seen.at.
//
// pgstore imports incident and pgx only. Like store, it is imported by the
// app package alone, which chooses one from TOCSIN_DB.
package pgstore

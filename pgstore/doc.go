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
// ErrSchemaTooNew). Version 1, then what version 2 added:
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
//	leadership epoch, holder, since               the leader's term, one row
//	outbox     + claim_epoch, claim_until         the leader's worker's claims
//
// Bodies are the JSON the bbolt store writes (type json, kept verbatim), and
// events are chained by incident.Event.Chain as there, so incident.Verify
// and incident.Replay hold of either store's timelines.
//
// # What one process did alone, and how it stays correct here
//
// One writer. The bbolt store runs every write in one goroutine, so each
// transaction sees all that committed before it. Here writers run at once
// in other processes. Within one, Updates go to a committer (commit.go),
// as bbolt's do: it takes the Updates waiting (up to 64), runs their
// functions one after another in one transaction, commits once, and
// answers each caller only after that commit. If any function in it fails
// (its error, or a statement's, which aborts the whole transaction, as an
// ErrFenced Complete does), the transaction is rolled back and each of its
// functions run again in a transaction of its own, so that one caller's
// error is never another's. A commit whose outcome is unknown (the
// connection failed while COMMIT was on its way) is answered as an error
// to all, never run again. One committer runs one transaction at a time,
// so a process's transactions never deadlock with each other; two
// processes' can, and the loser runs again.
//
// Round trips. A write transaction sends BEGIN with its first statement,
// and queues the writes whose results nothing reads before the commit (an
// incident's events, row, alarms and indexes; an idempotency key; an
// effect) to go with the next statement that is read, or with COMMIT, in
// one pipeline (pipeline.go); a lookup (OpenByAlarm, …) locks the
// incident it finds in the same statement. An alarm that joins an open
// incident so makes two round trips (Seen, and the alarm's lookup) besides
// its share of the commit, where it made eight (BEGIN, Seen, Remember,
// lookup, lock, the writes, the effect, COMMIT). A queued write
// that fails fails the transaction when it is sent.
//
// Each transaction is READ COMMITTED, and every incident read is locked
// (SELECT … FOR NO KEY UPDATE) to the commit, so writers to one incident
// take turns; a lookup (OpenByKey, OpenByAlarm, ByChannel) locks the
// incident it finds and looks again if a commit changed it meanwhile. What two writers could both find missing
// and both create is guarded by a unique index: one open incident holding
// a group key (incidents_held_key), one open incident per alarm
// (alarms_held_arn), one record per idempotency key (seen_pkey), one
// pending effect per coalescing key (outbox_held_key). A transaction that
// looked for one of these, found it missing and then writes it must be the
// first: if a concurrent one got there before, its write fails on the
// index, and it is rolled back and run again, like a serialization
// failure (40001) or a deadlock (40P01), up to ten times; run again, it
// finds the winner's row, which is what a serial order would have given.
// A function may therefore run more than once (after a lost race, or when
// its batch failed): the same rule as the bbolt store's group commit.
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
// the database's snapshots or pg_dump), Size, Path, UpdateOne (one commit
// per write, which the bbolt store's benchmarks compare; nothing else uses
// it), Forget and the Sweeper of old idempotency keys.
//
// # One leader among replicas
//
// Several tocsin processes (replicas) may share one database. Each takes
// alarms and Slack requests and writes through Update; one of them, the
// leader, does the work that must happen once per cluster: the outbox
// worker (and so the timers, which are effects with a due time), the
// digest and report schedules, reconciliation, the standby Slack channels,
// PutMetricData and the idempotency-key sweeper.
//
// Leader.Run campaigns: on a connection of its own, outside the pool, it
// tries pg_try_advisory_lock every LeaderOptions.Retry, on a key derived
// from the schema. The replica that gets the lock adds one to
// leadership.epoch in a transaction and calls its lead function with the
// epoch and a context that ends with the term. The lock is the session's,
// and the term ends when the session does: the Leader waits on the
// connection, so the error a session ended by the server is sent
// (pg_terminate_backend, a shutdown) cancels lead within milliseconds;
// and it runs SELECT 1 every Check (1 s), so a session that stops
// answering (a server gone without a word, a cut network) ends the term
// within 3 × Check. The server ends the
// session after 5 × Check idle (idle_session_timeout), so the lock of a
// leader cut off from the database is let go after that leader has
// stopped on its own. A clean shutdown lets it go at once, when lead
// returns. A new leader writes its epoch (fencing the old one, below) and
// then waits 3 × Check before it calls lead (handover): by then any
// earlier leader has noticed it lost its session and stopped, so two
// leaders never perform effects at the same time
// (e2e.TestPostgres_Partition terminates a leader's session inside a
// Slack call). A failover so takes Retry + 3 × Check at most: about 5 s. IsLeader and Epoch are for /metrics (tocsin_leader,
// tocsin_leader_epoch).
//
// Fencing. A deposed leader may not know it yet (a pause, a cut network),
// and the effects it has in flight finish after the next leader began. So
// NewLeader fences its DB's outbox with the epoch (fence.go). Due claims
// what it returns, in one statement (claim_epoch, and claim_until = now +
// Lease): only effects that nobody holds, that an older epoch holds, or
// whose claim by this epoch lapsed, and only while this epoch is the
// leadership's; a replica that does not lead gets ErrFenced. Tx.Complete,
// Retry and Unkey change an effect only if this epoch claimed it and is
// still the leadership's, else they return ErrFenced, and in the
// worker's transaction that records an effect's result, the result is
// rolled back with the Complete. A newer leader takes an older one's
// claims at once, and two epochs never both record one effect: the claim
// and the delete lock the same row. What fencing cannot undo is an outside
// call already made: an effect in flight when its leader was deposed may
// be performed again by the next, as after a crash (at least once, made
// idempotent where the integration allows, as everywhere in the outbox);
// the deposed leader's lead context is cancelled at once, so the window
// is short, and the Slack executor looks in the channel for a message
// enqueued before its term began before posting it (bot.Executor.NewTerm). dispatch.Worker needs no change: behind a Leader, its Due,
// Unkey, Retry and tx.Complete are fenced as they are (TestLeader_Worker
// runs it across a failover). Epochs rely on
// the database keeping what it committed (synchronous replication, as
// Multi-AZ RDS and Aurora have); a failover that lost commits could hand
// an epoch out twice.
//
// LISTEN/NOTIFY. After a commit that enqueued effects, a replica sends
// pg_notify('tocsin_outbox', schema), from a goroutine of its own and one
// for all the commits made while the previous one was on its way (not
// NOTIFY in the transaction: notify.go says why). Listen holds a
// connection of its own that LISTENs, calls wake for each notification
// of its schema and once each time it begins listening, and connects
// again after a failure; the leader connects wake to its outbox worker. A
// lost notification delays an effect to the worker's next poll; it never
// loses one.
//
// # What each replica keeps to itself
//
// What a single process could keep to itself is now one replica's of
// several. Each such place, where it lives, and how it stays correct:
//   - The committer's cache (above), on every replica: an entry is a
//     candidate checked against the row's version under its lock, so other
//     replicas' commits are seen.
//   - Incident numbers, on every replica: a sequence, unique across
//     replicas, with gaps.
//   - dispatch.Worker's inflight and settled sets, on the leader only: they
//     keep one worker from starting an effect twice. Between leaders the
//     claims do it (a new leader's worker starts with empty sets and takes
//     the old one's claims), and the fence keeps the old one from
//     recording.
//   - The Slack pacer's token buckets, on the leader for the outbox's Slack
//     calls: a new leader's buckets start full, and Slack's 429s, which the
//     executor turns into retries after Retry-After, bound a takeover's
//     burst. Slack calls that other replicas make while answering
//     requests are not counted in the leader's buckets.
//   - The standby-channel pool (bot.Executor), on the leader only, so that
//     one replica creates standby channels and hands them out. Slack is the
//     record of which exist; a replica that leads again reads it again
//     (bot.RunStandby runs once per term and starts by forgetting its
//     pool), as another leader may have taken some since.
//   - The Slack command inbox (inbox/slack/ in kv) is shared. Each record
//     names the process that took the command (bot's boot id) and when.
//     Every replica holds its presence, a session advisory lock named
//     after its boot id, on a connection of its own (presence.go). The
//     replay of what dead processes left runs on the leader only
//     (bot.ReplayInbox, a once-per-cluster part), every 2 s, and takes a
//     record only when no session holds its process's presence and it is
//     5 s old: never a command a live replica is running. A command is so
//     run again at most once more, and its idempotency key makes that
//     second run change nothing.
//   - The SNS certificate cache, on every replica: intake's map in front of
//     kv's certs/<url>, which is shared; a certificate never changes under
//     its URL, and two replicas that fetch one write the same bytes.
//
// The digest and report schedules, reconciliation, PutMetricData and the
// idempotency-key sweeper run on the leader only, or they would run once
// per replica (PutMetricData would count each incident once per replica).
// SQS polling, Socket Mode and the HTTP endpoints run on every replica:
// SQS hands a message to one consumer, and idempotency keys make a
// redelivery change nothing.
//
// Every replica of a cluster must lead through a Leader: a process without
// one (an older tocsin, or one wired without it) reads the outbox
// unfenced and performs effects beside the leader. Upgrade a cluster to
// this schema by stopping the older replicas before the new ones start.
//
// The failover tests run real processes: e2e.TestPostgres_StormFailover
// (three replicas, an alarm storm, the leader SIGKILLed twice) and
// TestPostgres_Partition.
//
// pgstore imports incident and pgx only (its tests also run store/storetest
// and dispatch.Worker). Like store, it is imported by the app package
// alone, which chooses one from TOCSIN_DB.
package pgstore

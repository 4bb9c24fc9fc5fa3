package store

import "encoding/binary"

// The file's layout. Every bucket and key format is listed here and nowhere
// else. Integers in keys are 8-byte big-endian, so keys sort in numeric order
// and appends go to the end of a bucket.
//
//	meta          "schema" -> uint64 schema version
//	incidents     id -> JSON incident.Incident (the fold of its timeline),
//	              without its alarms                                    (since v3)
//	events        id -> bucket: seq -> JSON incident.Event (append-only) (since v3;
//	              before, one flat bucket keyed id ‖ seq)
//	alarms        id -> bucket: n -> JSON incident.LinkedAlarm, the n-th
//	              alarm to join the incident                            (since v3)
//	open_keys     group key -> id of the open incident with that key
//	open_alarms   alarm ARN -> id of the open incident it is linked to
//	channels      Slack channel id -> incident id                      (since v2)
//	seen          idempotency key -> uint64 unix nanoseconds when first seen:
//	              msg:<SNS MessageId>, cmd:<Slack key>, digest/<due>. A Sweeper
//	              forgets msg: and cmd: keys after a retention (forget.go)
//	outbox        effect id -> JSON incident.Effect
//	outbox_keys   coalescing key -> effect id of the pending effect    (since v2)
//	kv            string key -> bytes (certs/<url>, digest/last_run, review/<id>,
//	              inbox/slack/<idempotency key>: a Slack command acknowledged, not yet run)
var (
	bucketMeta       = []byte("meta")
	bucketIncidents  = []byte("incidents")
	bucketEvents     = []byte("events")
	bucketAlarms     = []byte("alarms")
	bucketOpenKeys   = []byte("open_keys")
	bucketOpenAlarms = []byte("open_alarms")
	bucketChannels   = []byte("channels")
	bucketSeen       = []byte("seen")
	bucketOutbox     = []byte("outbox")
	bucketOutboxKeys = []byte("outbox_keys")
	bucketKV         = []byte("kv")

	keySchema = []byte("schema")
)

// SchemaVersion is the layout this code writes. Open migrates older files.
const SchemaVersion = 3

// bucketsV1 are the buckets of schema version 1.
var bucketsV1 = [][]byte{bucketMeta, bucketIncidents, bucketEvents, bucketOpenKeys,
	bucketOpenAlarms, bucketSeen, bucketOutbox, bucketKV}

func itob(v uint64) []byte {
	b := make([]byte, 8)
	binary.BigEndian.PutUint64(b, v)
	return b
}

func btoi(b []byte) uint64 {
	if len(b) != 8 {
		return 0
	}
	return binary.BigEndian.Uint64(b)
}

func eventKey(id, seq uint64) []byte {
	b := make([]byte, 16)
	binary.BigEndian.PutUint64(b, id)
	binary.BigEndian.PutUint64(b[8:], seq)
	return b
}

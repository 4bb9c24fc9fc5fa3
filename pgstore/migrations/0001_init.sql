-- Schema version 1: tocsin's state, one row per thing the bbolt store keeps
-- under a key. Bodies are the same JSON the bbolt store writes (type json,
-- kept verbatim); the other columns are what queries and constraints need.
-- Text compared by prefix is COLLATE "C": byte order, as bbolt's keys.

-- Incident numbers. nextval is never rolled back: a failed or retried
-- transaction leaves a gap (INC-7 then INC-9), which bbolt never does.
CREATE SEQUENCE incident_ids AS bigint;

-- incidents: the fold of each timeline, without its alarms. events is the
-- number of events folded, and so the version of the row: a commit that
-- changes an incident appends to it. held_key is the group key while the
-- incident is open and the first open incident with that key (the bbolt
-- store's open_keys); the unique index lets one writer claim a key.
CREATE TABLE incidents (
    id       bigint PRIMARY KEY,
    open     boolean NOT NULL,
    events   integer NOT NULL,
    held_key text COLLATE "C",
    body     json NOT NULL
);
ALTER SEQUENCE incident_ids OWNED BY incidents.id;
CREATE UNIQUE INDEX incidents_held_key ON incidents (held_key) WHERE held_key IS NOT NULL;
CREATE INDEX incidents_open ON incidents (id) WHERE open;

-- events: the append-only timelines, hash-chained as incident.Event.Chain
-- does. body is the event's JSON; hash repeats its Hash for audits in SQL.
CREATE TABLE events (
    incident_id bigint NOT NULL REFERENCES incidents (id),
    seq         integer NOT NULL,
    hash        text NOT NULL,
    body        json NOT NULL,
    PRIMARY KEY (incident_id, seq)
);

-- alarms: the n-th alarm linked to an incident (from 0), with its latest
-- state. held_arn is its ARN while it indexes an open incident (the bbolt
-- store's open_alarms): one open incident per alarm.
CREATE TABLE alarms (
    incident_id bigint NOT NULL REFERENCES incidents (id),
    n           integer NOT NULL,
    arn         text COLLATE "C" NOT NULL,
    held_arn    text COLLATE "C",
    body        json NOT NULL,
    PRIMARY KEY (incident_id, n)
);
CREATE UNIQUE INDEX alarms_held_arn ON alarms (held_arn) WHERE held_arn IS NOT NULL;

-- channels: the incident that owns each Slack channel.
CREATE TABLE channels (
    channel_id  text PRIMARY KEY,
    incident_id bigint NOT NULL REFERENCES incidents (id)
);

-- seen: idempotency keys (SNS MessageIds, Slack request keys, digests).
CREATE TABLE seen (
    key text PRIMARY KEY,
    at  timestamptz NOT NULL
);

-- outbox: effects to perform. id orders them; not_before is in unix
-- nanoseconds (a zero NotBefore is the smallest bigint) so that "due" is
-- exact to the nanosecond, as in bbolt. key is the effect's coalescing key;
-- held_key is that key while this effect holds it (Unkey clears it, Retry
-- takes it back): one pending effect per key.
CREATE TABLE outbox (
    id          bigint GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
    incident_id bigint NOT NULL,
    kind        text NOT NULL,
    ordered     boolean NOT NULL,
    not_before  bigint NOT NULL,
    key         text NOT NULL,
    held_key    text,
    body        json NOT NULL
);
CREATE UNIQUE INDEX outbox_held_key ON outbox (held_key) WHERE held_key IS NOT NULL;
CREATE INDEX outbox_ordered ON outbox (incident_id, id) WHERE ordered;
CREATE INDEX outbox_incident_kind ON outbox (incident_id, kind);

-- kv: the key-value area (certs/<url>, digest/last_run, review/<id>,
-- inbox/slack/<key>).
CREATE TABLE kv (
    key   text COLLATE "C" PRIMARY KEY,
    value bytea NOT NULL
);

-- meta: small named values of the store itself (the /readyz heartbeat).
CREATE TABLE meta (
    name  text PRIMARY KEY,
    value text NOT NULL
);

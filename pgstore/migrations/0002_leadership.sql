-- Schema version 2: several replicas on one database, one of them the
-- leader (package doc, "One leader among replicas"). The leader's outbox
-- worker claims the effects it performs with its epoch, and completing or
-- retrying a claim is refused once a newer leader exists.

-- leadership: the current leadership term, one row. A replica that takes
-- the leader's session advisory lock adds one to epoch in a transaction of
-- its own and writes who it is (holder) and when it began (since); epoch
-- only grows, so a larger one is a later leader.
CREATE TABLE leadership (
    epoch  bigint NOT NULL,
    holder text NOT NULL,
    since  timestamptz NOT NULL
);
CREATE UNIQUE INDEX leadership_one_row ON leadership ((true));
INSERT INTO leadership (epoch, holder, since) VALUES (0, '', now());

-- outbox claims: claim_epoch is the epoch of the leader whose worker took
-- the effect to perform it, claim_until when that claim lapses for the
-- same leader's next read. A later epoch takes over any claim at once.
-- Both are NULL while nobody holds the effect (and always, for a process
-- without a leader, as before).
ALTER TABLE outbox ADD COLUMN claim_epoch bigint, ADD COLUMN claim_until timestamptz;

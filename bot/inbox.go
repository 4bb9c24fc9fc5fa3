package bot

import (
	"context"
	"encoding/json"
	"fmt"
	"time"

	"github.com/tocsin-dev/tocsin/dispatch"
)

// Inbox keeps the commands tocsin has acknowledged to Slack until they have
// run. Slack wants an answer within 3 seconds, so a command is answered
// "Working on it…" and run afterwards; without the inbox, a crash in
// between would lose it although its sender was told it was taken. With
// one, the command is recorded durably before the acknowledgement, dropped
// once it has run and been answered, and what a crash left is run again
// when Run starts. Each recorded command carries its Slack idempotency key
// (the trigger_id, action_ts or event id), so one that had committed before
// the crash changes nothing the second time. Commands without a key are
// not recorded: running them twice could do them twice.
type Inbox interface {
	// Keep records value under key, durably, before it returns nil.
	Keep(ctx context.Context, key string, value []byte) error
	// Drop removes a record; removing an absent one is not an error.
	Drop(ctx context.Context, key string) error
	// Left returns every record, by key.
	Left(ctx context.Context) (map[string][]byte, error)
}

// inboxItem is what the inbox records: the command and where its answer
// goes. The response_url is a secret and expires; it is not kept, and an
// answer after a restart goes to the user as an ephemeral message.
// Boot tells this process's records (running now) from those another
// process left; At is when it was acknowledged.
type inboxItem struct {
	Command dispatch.Command `json:"command"`
	Channel string           `json:"channel,omitempty"`
	User    string           `json:"user,omitempty"`
	Boot    string           `json:"boot"`
	At      time.Time        `json:"at,omitzero"`
}

// accept records cmd in the inbox (when there is one and cmd has a key) and
// queues it. It returns "" when cmd was taken, else what to tell its
// sender: nothing will run (the queue is full, or the inbox could not
// record it).
func (h *Handlers) accept(cmd dispatch.Command, to replyTo) string {
	return h.acceptJob(cmd, to, h.commandJob(cmd, to))
}

// acceptJob is accept with the job that runs cmd (one that adds to it first,
// as the message shortcut adds the message's link; a command run again
// after a restart goes without that addition).
func (h *Handlers) acceptJob(cmd dispatch.Command, to replyTo, job func(context.Context)) string {
	keep := h.cfg.Inbox != nil && cmd.Key != ""
	if keep {
		v, err := json.Marshal(inboxItem{Command: cmd, Channel: to.channel, User: to.user, Boot: h.boot, At: h.now()})
		if err == nil {
			err = h.cfg.Inbox.Keep(context.Background(), cmd.Key, v)
		}
		if err != nil {
			h.log.Error("record Slack command", "kind", string(cmd.Kind), "err", err)
			return msgNotRecorded
		}
	}
	if keep {
		run := job
		job = func(ctx context.Context) {
			run(ctx)
			h.drop(ctx, cmd.Key)
		}
	}
	if !h.submit(job) {
		if keep {
			h.drop(context.Background(), cmd.Key)
		}
		return msgOverloaded
	}
	return ""
}

func (h *Handlers) drop(ctx context.Context, key string) {
	if err := h.cfg.Inbox.Drop(context.WithoutCancel(ctx), key); err != nil {
		h.log.Error("drop Slack command from the inbox", "err", err) // it runs again at start: harmless, it has a key
	}
}

// ReplayInbox runs again the commands other processes acknowledged and
// left in the inbox (they crashed, or were stopped, before the command ran
// and was answered), and answers each sender with an ephemeral message.
// Without Alive it does so once, at start. With it (replicas), it looks
// again every replayEvery until ctx ends, and takes a record only once its
// process is gone and the record is replayGrace old (a process takes its
// presence moments after it starts), so that it never runs a command a
// live replica is running. The app runs it once per cluster, on the
// leader.
func (h *Handlers) ReplayInbox(ctx context.Context) error {
	if h.cfg.Inbox == nil {
		return nil
	}
	for {
		if err := h.runLeft(ctx); err != nil && ctx.Err() == nil {
			h.log.Error("commands acknowledged before a restart", "err", err)
		}
		if h.cfg.Alive == nil {
			return nil
		}
		t := time.NewTimer(replayEvery)
		select {
		case <-ctx.Done():
			t.Stop()
			return nil
		case <-t.C:
		}
	}
}

const (
	// replayEvery is how often, with replicas, the leader looks for
	// commands dead replicas left.
	replayEvery = 2 * time.Second
	// replayGrace is how old such a command must be.
	replayGrace = 5 * time.Second
)

// runLeft runs, one after another, the commands left in the inbox by
// processes that are gone.
func (h *Handlers) runLeft(ctx context.Context) error {
	left, err := h.cfg.Inbox.Left(ctx)
	if err != nil {
		return fmt.Errorf("read the Slack command inbox: %w", err)
	}
	for key, v := range left {
		var it inboxItem
		if err := json.Unmarshal(v, &it); err != nil || it.Command.Key != key {
			h.log.Error("unreadable Slack command in the inbox; dropped", "err", err)
			h.drop(ctx, key)
			continue
		}
		if left, err := h.abandoned(ctx, it); err != nil {
			return err
		} else if !left {
			continue
		}
		h.log.Info("running a Slack command acknowledged before a restart", "kind", string(it.Command.Kind))
		jctx, cancel := context.WithTimeout(ctx, h.cfg.JobTimeout)
		res, err := h.cfg.Doer.Do(jctx, it.Command)
		msg := h.answer(it.Command, res, err)
		msg.Text = "(tocsin restarted while it ran your command) " + msg.Text
		h.send(jctx, replyTo{channel: it.Channel, user: it.User}, msg)
		cancel()
		if ctx.Err() != nil {
			return nil // not answered for sure: leave it for the next leader
		}
		h.drop(ctx, key)
	}
	return nil
}

// abandoned reports whether no live process is running it: it is not this
// process's, and (with replicas) its process is gone and it is
// replayGrace old (a record without a time is from before records had
// one, and so old).
func (h *Handlers) abandoned(ctx context.Context, it inboxItem) (bool, error) {
	if it.Boot == h.boot {
		return false, nil // taken since this process started: a worker has it
	}
	if h.cfg.Alive == nil {
		return true, nil
	}
	if !it.At.IsZero() && h.now().Sub(it.At) < replayGrace {
		return false, nil
	}
	alive, err := h.cfg.Alive(ctx, it.Boot)
	return !alive, err
}

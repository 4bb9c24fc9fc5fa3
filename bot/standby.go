package bot

import (
	"context"
	"crypto/rand"
	"errors"
	"fmt"
	"strings"
	"time"

	"github.com/slack-go/slack"

	"github.com/tocsin-dev/tocsin/dispatch"
	"github.com/tocsin-dev/tocsin/incident"
)

// Standby channels answer Slack's pace for conversations.create (Tier 2:
// about 20 a minute, only a few at once): when an alarm storm opens ten
// incidents together, the tenth channel would wait more than 20 s. With
// ExecutorConfig.Standby = N, the Executor keeps N channels created ahead,
// while nothing else needs conversations.create, named inc-standby-xxxxxx.
// A new incident takes one at once, with no Slack call: invitations and the
// header follow immediately, and the channel is renamed after the incident
// (conversations.rename, its own Tier 2 bucket) and its purpose set when
// nothing more urgent needs those calls (Executor.waitIdle).
//
// Slack is the record of which standby channels exist: at start (and with
// replicas at each term of leadership) the Executor lists the channels and keeps the ones it created with the
// standby prefix that no incident owns (ExecutorConfig.Owned). A claim is
// durable when the incident's channel event commits; a claim lost to a
// crash leaves the channel a standby one, found again at the next start.
// A standby channel someone archives is left out at the next start; one
// archived while tocsin runs can still be taken, and its incident then
// reports the channel gone, as for any channel archived outside tocsin.
const (
	standbyPrefix  = "inc-standby-"
	standbyPurpose = "tocsin standby channel: it becomes an incident's channel when one opens"
	standbyEvery   = 5 * time.Second
)

// RunStandby keeps ExecutorConfig.Standby channels ready until ctx ends.
// It starts by forgetting the pool it had: with replicas it runs once per
// term of leadership, and another leader may have taken some of the
// channels since, so each term finds them again in Slack.
func (e *Executor) RunStandby(ctx context.Context) error {
	if e.cfg.Standby <= 0 {
		return nil
	}
	e.mu.Lock()
	e.standby, e.standbyLoaded = nil, false
	e.mu.Unlock()
	t := time.NewTicker(standbyEvery)
	defer t.Stop()
	for {
		if _, err := e.FillStandby(ctx); err != nil && ctx.Err() == nil {
			e.log.Warn("standby channels", "err", err)
		}
		select {
		case <-ctx.Done():
			return nil
		case <-t.C:
		}
	}
}

// FillStandby finds the standby channels (the first time) and creates
// more while fewer than ExecutorConfig.Standby are ready and creating one
// cannot delay an incident's channel. It returns how many are ready.
func (e *Executor) FillStandby(ctx context.Context) (int, error) {
	if e.cfg.Owned == nil {
		return 0, errors.New("standby channels need ExecutorConfig.Owned")
	}
	if err := e.loadStandby(ctx); err != nil {
		return 0, err
	}
	for e.StandbyReady() < e.cfg.Standby {
		if created, err := e.createStandby(ctx); err != nil || !created {
			return e.StandbyReady(), err
		}
	}
	return e.StandbyReady(), nil
}

// StandbyReady is how many standby channels are ready to take now.
func (e *Executor) StandbyReady() int {
	e.mu.Lock()
	defer e.mu.Unlock()
	return len(e.standby)
}

// loadStandby adopts, once, the standby channels an earlier run left.
func (e *Executor) loadStandby(ctx context.Context) error {
	e.mu.Lock()
	loaded := e.standbyLoaded
	e.mu.Unlock()
	if loaded {
		return nil
	}
	self, err := e.selfID(ctx)
	if err != nil {
		return err
	}
	if err := e.scanChannels(ctx); err != nil {
		return err
	}
	e.mu.Lock()
	var found []slack.Channel
	for _, ch := range e.names {
		if strings.HasPrefix(ch.Name, standbyPrefix) && ch.Creator == self && !ch.IsArchived &&
			(ch.Purpose.Value == standbyPurpose || ch.Purpose.Value == "") {
			found = append(found, ch)
		}
	}
	e.mu.Unlock()
	var ready []slack.Channel
	for _, ch := range found {
		owned, err := e.cfg.Owned(ctx, ch.ID)
		if err != nil {
			return fmt.Errorf("is standby channel %s an incident's: %w", ch.ID, err)
		}
		if !owned {
			ready = append(ready, ch)
		}
	}
	e.mu.Lock()
	for _, ch := range ready {
		e.created[ch.ID] = true // as good as new: no incident has posted there
	}
	e.standby, e.standbyLoaded = append(e.standby, ready...), true
	e.mu.Unlock()
	return nil
}

// createStandby creates one standby channel and marks it with its purpose.
// It reports false, without an error, when the buckets are not idle.
func (e *Executor) createStandby(ctx context.Context) (bool, error) {
	if err := e.waitIdle(call{method: "conversations.create"}, call{method: "conversations.setPurpose"}); err != nil {
		return false, nil
	}
	name := standbyPrefix + strings.ToLower(rand.Text()[:6])
	ch, err := e.api.CreateConversationContext(ctx, slack.CreateConversationParams{ChannelName: name})
	if err != nil {
		return false, fmt.Errorf("create standby channel %s: %w", name, err)
	}
	if _, err := e.api.SetPurposeOfConversationContext(ctx, ch.ID, standbyPurpose); err != nil {
		return false, fmt.Errorf("mark standby channel %s: %w", ch.ID, err)
	}
	e.mu.Lock()
	e.created[ch.ID] = true
	e.standby = append(e.standby, *ch)
	e.mu.Unlock()
	return true, nil
}

// takeStandby hands out the oldest ready standby channel.
func (e *Executor) takeStandby() (slack.Channel, bool) {
	e.mu.Lock()
	defer e.mu.Unlock()
	if len(e.standby) == 0 {
		return slack.Channel{}, false
	}
	ch := e.standby[0]
	e.standby = e.standby[1:]
	return ch, true
}

// rename gives a channel taken from standby its incident's name (inc-42-…,
// then -2, -3 … while taken) and purpose marker.
func (e *Executor) rename(ctx context.Context, _ incident.Effect, inc incident.Incident) (dispatch.Outcome, error) {
	ch, err := needChannel(inc)
	if err != nil || !strings.HasPrefix(inc.Channel.Name, standbyPrefix) {
		return dispatch.Outcome{}, err // renamed already
	}
	base := channelName(inc.ID, inc.Title)
	for n := 1; n <= maxNameTries; n++ {
		// Renaming can wait: it must not take the conversations.setPurpose
		// token a new incident's channel needs.
		if err := e.waitIdle(call{method: "conversations.rename"}, call{method: "conversations.setPurpose"}); err != nil {
			return dispatch.Outcome{}, err
		}
		renamed, err := e.api.RenameConversationContext(ctx, ch, channelNameN(base, n))
		if slackCode(err) == "name_taken" {
			continue
		}
		if err != nil {
			return dispatch.Outcome{}, fmt.Errorf("rename channel %s: %w", ch, err)
		}
		if _, err := e.api.SetPurposeOfConversationContext(ctx, ch, Purpose(inc)); err != nil {
			return dispatch.Outcome{}, fmt.Errorf("mark channel %s as %s's: %w", ch, inc.ID, err)
		}
		ev := e.event(inc, incident.EventChannel, map[string]string{
			"channel_id": ch, "channel_name": renamed.Name, "renamed_from": inc.Channel.Name})
		return dispatch.Outcome{Events: []incident.Event{ev}}, nil
	}
	return dispatch.Outcome{}, fmt.Errorf("%w: channel names %s to %s are all taken", dispatch.ErrPermanent, base, channelNameN(base, maxNameTries))
}

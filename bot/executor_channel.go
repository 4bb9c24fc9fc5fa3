package bot

import (
	"cmp"
	"context"
	"fmt"
	"strings"
	"time"

	"github.com/slack-go/slack"

	"github.com/tocsin-dev/tocsin/dispatch"
	"github.com/tocsin-dev/tocsin/incident"
)

// maxNameTries bounds the -2, -3, ... suffixes tried for a taken name.
const maxNameTries = 20

// channel takes a standby channel (standby.go) or creates the incident's
// channel, or adopts the one an interrupted attempt created (its purpose
// carries tocsin:INC-42), and schedules the topic, invitations (Data
// "invite"), header and announcement (in Data "announce", or else the
// configured channel), and for a standby channel its renaming.
func (e *Executor) channel(ctx context.Context, eff incident.Effect, inc incident.Incident) (dispatch.Outcome, error) {
	if inc.Channel.ID != "" {
		return dispatch.Outcome{}, nil
	}
	if ch, ok := e.takeStandby(); ok {
		ev := e.event(inc, incident.EventChannel, map[string]string{"channel_id": ch.ID, "channel_name": ch.Name, "standby": "yes"})
		then := append(e.channelFollowups(eff, inc), incident.Effect{Kind: dispatch.EffSlackRename, Incident: inc.ID, CreatedAt: e.now().UTC()})
		return dispatch.Outcome{Events: []incident.Event{ev}, Then: then}, nil
	}
	ch, err := e.createOrAdopt(ctx, inc)
	if err != nil {
		return dispatch.Outcome{}, err
	}
	ev := e.event(inc, incident.EventChannel, map[string]string{"channel_id": ch.ID, "channel_name": ch.Name})
	return dispatch.Outcome{Events: []incident.Event{ev}, Then: e.channelFollowups(eff, inc)}, nil
}

func (e *Executor) channelFollowups(eff incident.Effect, inc incident.Incident) []incident.Effect {
	now := e.now().UTC()
	next := func(kind incident.EffectKind, data map[string]string) incident.Effect {
		return incident.Effect{Kind: kind, Incident: inc.ID, Data: data, CreatedAt: now}
	}
	then := []incident.Effect{next(dispatch.EffSlackTopic, nil)}
	if users := strings.TrimSpace(eff.Data["invite"]); users != "" {
		then = append(then, next(dispatch.EffSlackInvite, map[string]string{"users": users}))
	}
	then = append(then, next(dispatch.EffSlackHeader, nil))
	if ch := cmp.Or(eff.Data["announce"], e.cfg.AnnounceChannel); ch != "" {
		then = append(then, next(dispatch.EffSlackAnnounce, map[string]string{"channel": ch}))
	}
	return then
}

// createOrAdopt tries inc-42-title, then -2, -3, ...; a taken name is
// adopted when the channel is this incident's.
func (e *Executor) createOrAdopt(ctx context.Context, inc incident.Incident) (slack.Channel, error) {
	base := channelName(inc.ID, inc.Title)
	for n := 1; n <= maxNameTries; n++ {
		name := channelNameN(base, n)
		// Reserve the purpose call too: a channel without its marker is
		// only recognised by its creator, so set it at once.
		if err := e.wait(call{method: "conversations.create"}, call{method: "conversations.setPurpose"}); err != nil {
			return slack.Channel{}, err
		}
		ch, err := e.api.CreateConversationContext(ctx, slack.CreateConversationParams{ChannelName: name})
		if err == nil {
			e.mu.Lock()
			e.created[ch.ID] = true
			e.mu.Unlock()
			if _, err := e.api.SetPurposeOfConversationContext(ctx, ch.ID, Purpose(inc)); err != nil {
				return slack.Channel{}, fmt.Errorf("mark channel %s as %s's: %w", ch.ID, inc.ID, err)
			}
			return *ch, nil
		}
		if slackCode(err) != "name_taken" {
			return slack.Channel{}, fmt.Errorf("create channel %s: %w", name, err)
		}
		// The purpose call reserved with the create was not made: the
		// adoption uses it, so a retry never needs more than it reserves.
		ch2, ours, err := e.adoptable(ctx, name, inc)
		if err != nil || ours {
			return ch2, err
		}
	}
	return slack.Channel{}, fmt.Errorf("%w: channel names %s to %s are all taken", dispatch.ErrPermanent, base, channelNameN(base, maxNameTries))
}

// adoptable looks up the channel holding a taken name and reports whether it
// is this incident's: created since the incident was detected, and its
// purpose carries the marker, or tocsin created it and an interruption left
// its purpose empty (then the marker is set now, with the
// conversations.setPurpose call the caller reserved).
func (e *Executor) adoptable(ctx context.Context, name string, inc incident.Incident) (slack.Channel, bool, error) {
	ch, found, err := e.lookupName(ctx, name)
	if err != nil || !found || ch.IsArchived || !createdSince(ch, inc) {
		return slack.Channel{}, false, err
	}
	if hasMarker(ch.Purpose.Value, inc.ID) {
		return ch, true, nil
	}
	if ch.Purpose.Value != "" {
		return slack.Channel{}, false, nil
	}
	self, err := e.selfID(ctx)
	if err != nil || ch.Creator != self {
		return slack.Channel{}, false, err
	}
	if _, err := e.api.SetPurposeOfConversationContext(ctx, ch.ID, Purpose(inc)); err != nil {
		return slack.Channel{}, false, fmt.Errorf("mark adopted channel %s as %s's: %w", ch.ID, inc.ID, err)
	}
	return ch, true, nil
}

// createdSince reports whether a channel was created after the incident
// was detected (with a minute for clocks): an older channel that carries the
// same marker belongs to an earlier installation whose ids restarted.
func createdSince(ch slack.Channel, inc incident.Incident) bool {
	since := inc.DetectedAt
	if since.IsZero() {
		since = inc.StartedAt
	}
	return since.IsZero() || !ch.Created.Time().Before(since.Add(-time.Minute))
}

// lookupName finds a channel by name, archived ones included. A cached
// entry is refreshed with conversations.info (its purpose may have changed);
// a miss rescans conversations.list.
func (e *Executor) lookupName(ctx context.Context, name string) (slack.Channel, bool, error) {
	e.mu.Lock()
	cached, ok := e.names[name]
	e.mu.Unlock()
	if ok {
		if err := e.wait(call{method: "conversations.info"}); err != nil {
			return slack.Channel{}, false, err
		}
		ch, err := e.api.GetConversationInfoContext(ctx, &slack.GetConversationInfoInput{ChannelID: cached.ID})
		if err == nil && ch.Name == name {
			return *ch, true, nil
		}
		if err != nil && slackCode(err) != "channel_not_found" {
			return slack.Channel{}, false, fmt.Errorf("look up channel %s: %w", cached.ID, err)
		}
	}
	if err := e.scanChannels(ctx); err != nil {
		return slack.Channel{}, false, err
	}
	e.mu.Lock()
	defer e.mu.Unlock()
	ch, ok := e.names[name]
	return ch, ok, nil
}

// scanChannels reads every channel the bot can see into the name cache.
func (e *Executor) scanChannels(ctx context.Context) error {
	params := &slack.GetConversationsParameters{
		ExcludeArchived: false, Limit: 1000, Types: []string{"public_channel", "private_channel"},
	}
	fresh := map[string]slack.Channel{}
	for {
		if err := e.wait(call{method: "conversations.list"}); err != nil {
			return err
		}
		page, next, err := e.api.GetConversationsContext(ctx, params)
		if err != nil {
			return fmt.Errorf("list channels: %w", err)
		}
		for _, ch := range page {
			fresh[ch.Name] = ch
		}
		if next == "" {
			break
		}
		params.Cursor = next
	}
	e.mu.Lock()
	e.names = fresh
	e.mu.Unlock()
	return nil
}

// topic sets the channel topic from the incident.
func (e *Executor) topic(ctx context.Context, _ incident.Effect, inc incident.Incident) (dispatch.Outcome, error) {
	ch, err := needChannel(inc)
	if err != nil {
		return dispatch.Outcome{}, err
	}
	return dispatch.Outcome{}, e.setTopic(ctx, ch, Topic(inc))
}

func (e *Executor) setTopic(ctx context.Context, ch, topic string) error {
	if err := e.wait(call{method: "conversations.setTopic"}); err != nil {
		return err
	}
	if _, err := e.api.SetTopicOfConversationContext(ctx, ch, topic); err != nil {
		return fmt.Errorf("set topic of %s: %w", ch, err)
	}
	e.mu.Lock()
	if len(e.topics) > 10000 {
		clear(e.topics)
	}
	e.topics[ch] = topic
	e.mu.Unlock()
	return nil
}

// syncTopic sets the topic only when it differs from what the channel has:
// the last topic set, or, after a restart, what conversations.info says.
func (e *Executor) syncTopic(ctx context.Context, ch, topic string) error {
	e.mu.Lock()
	current, known := e.topics[ch]
	e.mu.Unlock()
	if !known {
		if err := e.wait(call{method: "conversations.info"}); err != nil {
			return err
		}
		info, err := e.api.GetConversationInfoContext(ctx, &slack.GetConversationInfoInput{ChannelID: ch})
		if err != nil {
			return fmt.Errorf("read topic of %s: %w", ch, err)
		}
		current = info.Topic.Value
		e.mu.Lock()
		e.topics[ch] = current
		e.mu.Unlock()
	}
	if current == topic || plainText(current) == plainText(topic) {
		return nil
	}
	return e.setTopic(ctx, ch, topic)
}

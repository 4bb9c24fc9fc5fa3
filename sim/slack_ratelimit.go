package sim

import (
	"math"
	"time"
)

// SlackTierSpecial is what [SlackTier] reports for methods outside the four tiers.
const SlackTierSpecial = 0

// slackTiers is the one table of Slack's published rate-limit tiers
// (api.slack.com/apis/rate-limits and each method's reference page).
var slackTiers = map[string]int{
	"conversations.create":         2,
	"conversations.setTopic":       2,
	"conversations.setPurpose":     2,
	"conversations.rename":         2,
	"conversations.archive":        2,
	"conversations.unarchive":      2,
	"pins.add":                     2,
	"pins.list":                    2,
	"bookmarks.add":                2,
	"usergroups.list":              2,
	"users.list":                   2,
	"usergroups.users.list":        2, // Tier 2 on its reference page
	"conversations.invite":         3,
	"conversations.info":           3,
	"conversations.list":           3,
	"conversations.history":        3,
	"conversations.join":           3,
	"chat.update":                  3,
	"chat.delete":                  3,
	"reactions.add":                3,
	"files.getUploadURLExternal":   4, // Tier 4 on its reference page
	"files.completeUploadExternal": 4,
	"chat.postEphemeral":           4,
	"users.info":                   4,
	"users.lookupByEmail":          3,
	"views.open":                   4,
}

// slackTierLimits are the calls per minute and the burst of each tier's token bucket.
// Slack publishes the per-minute figures and says short bursts are tolerated; the
// bursts here are our choice, kept small so that storms hit the limits.
var slackTierLimits = [5]struct{ perMinute, burst float64 }{
	1: {1, 1},
	2: {20, 3},
	3: {50, 5},
	4: {100, 10},
}

// chat.postMessage is "special": about one message per second per channel, with
// short bursts allowed.
const (
	slackPostPerMinute = 60
	slackPostBurst     = 3
)

// SlackTier reports the rate-limit tier (1–4) of a Web API method:
//
//	Tier 1    1/min
//	Tier 2   20/min  conversations.create/rename/setTopic/setPurpose/archive/unarchive, pins.add/list, bookmarks.add,
//	                 users.list, usergroups.list
//	Tier 3   50/min  conversations.invite/info/list/history/join, chat.update/delete, reactions.add,
//	                 usergroups.users.list
//	Tier 4  100/min  chat.postEphemeral, users.info, views.open, files.getUploadURLExternal/completeUploadExternal
//
// It reports [SlackTierSpecial] for everything else: chat.postMessage, limited to about
// one message per second per channel, and methods the stand-in never limits
// (auth.test, the upload POST, response URLs). Limits apply per method per workspace,
// and only when [SlackOptions].RateLimits is set.
func SlackTier(method string) int {
	return slackTiers[method]
}

// slackBucket is a token bucket refilled continuously.
type slackBucket struct {
	tokens float64
	last   time.Time
}

// slackTake spends a token for the call, or reports how long until one is available.
// It runs with s.mu held.
func (s *Slack) slackTake(q *slackRequest) (time.Duration, bool) {
	if !s.opts.RateLimits {
		return 0, true
	}
	key, perMinute, burst := q.method, 0.0, 0.0
	switch tier := SlackTier(q.method); {
	case q.method == "chat.postMessage":
		key += " " + q.params["channel"]
		perMinute, burst = slackPostPerMinute, slackPostBurst
	case tier == SlackTierSpecial:
		return 0, true
	default:
		perMinute, burst = slackTierLimits[tier].perMinute, slackTierLimits[tier].burst
	}
	perSecond := perMinute * s.opts.RateScale / 60
	now := s.slackNow()
	b, ok := s.buckets[key]
	if !ok {
		b = &slackBucket{tokens: burst, last: now}
		s.buckets[key] = b
	}
	if elapsed := now.Sub(b.last).Seconds(); elapsed > 0 {
		b.tokens = math.Min(burst, b.tokens+elapsed*perSecond)
		b.last = now
	}
	if b.tokens >= 1 {
		b.tokens--
		return 0, true
	}
	return time.Duration((1 - b.tokens) / perSecond * float64(time.Second)), false
}

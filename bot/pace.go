package bot

import (
	"errors"
	"math"
	"sync"
	"time"
)

// errPaced: tocsin's own pacing held a Slack call back to stay below Slack's
// rate limit. It is always wrapped in a dispatch.RetryError.
var errPaced = errors.New("held back to stay under Slack's rate limit")

// Rate is a token bucket: PerMinute calls a minute on average, at most
// Burst at once.
type Rate struct {
	PerMinute float64
	Burst     int
}

// Slack's tiers are per method, per workspace, per minute; tocsin stays
// below them so that it never meets a 429 in normal operation.
var (
	tier2 = Rate{PerMinute: 18, Burst: 3}  // Tier 2: 20+/min
	tier3 = Rate{PerMinute: 45, Burst: 5}  // Tier 3: 50+/min
	tier4 = Rate{PerMinute: 90, Burst: 10} // Tier 4: 100+/min
	// chat.postMessage: about one message a second per channel, with short
	// bursts, and several hundred a minute in the workspace.
	postPerChannel = Rate{PerMinute: 50, Burst: 3}
	postWorkspace  = Rate{PerMinute: 240, Burst: 20}
)

// postPerChannelKey is the Rates key of chat.postMessage's per-channel bucket.
const postPerChannelKey = "chat.postMessage/channel"

// defaultRates are the per-method buckets the Executor uses unless
// ExecutorConfig.Rates overrides them. Methods not listed get Tier 2.
func defaultRates() map[string]Rate {
	return map[string]Rate{
		"conversations.create":         tier2,
		"conversations.setTopic":       tier2,
		"conversations.setPurpose":     tier2,
		"conversations.rename":         tier2,
		"conversations.archive":        tier2,
		"conversations.unarchive":      tier2,
		"pins.add":                     tier2,
		"pins.list":                    tier2,
		"users.lookupByEmail":          tier3,
		"usergroups.users.list":        tier2,
		"conversations.invite":         tier3,
		"conversations.list":           tier3,
		"conversations.info":           tier3,
		"conversations.history":        tier3,
		"chat.update":                  tier3,
		"auth.test":                    tier3,
		"files.getUploadURLExternal":   tier4,
		"files.completeUploadExternal": tier4,
		"chat.postMessage":             postWorkspace,
		postPerChannelKey:              postPerChannel,
	}
}

// maxBuckets bounds the per-channel buckets kept; full (idle) ones are
// dropped beyond it.
const maxBuckets = 4096

// pacer holds one token bucket per method (and per channel for
// chat.postMessage). It never sleeps: when a bucket is empty it says how
// long to wait, and the executor hands that to the outbox as a retry, so one
// throttled method never stalls the others.
type pacer struct {
	mu      sync.Mutex
	now     func() time.Time
	rates   map[string]Rate
	buckets map[string]*bucket
}

type bucket struct {
	tokens float64
	last   time.Time
	rate   Rate
}

func newPacer(now func() time.Time, overrides map[string]Rate) *pacer {
	rates := defaultRates()
	for k, r := range overrides {
		rates[k] = r
	}
	return &pacer{now: now, rates: rates, buckets: make(map[string]*bucket)}
}

// call names one Slack call for pacing: its method, and for per-channel
// limits the channel.
type call struct{ method, channel string }

// calls expands a Slack method into the buckets it draws from.
func paced(method, channel string) []call {
	if method == "chat.postMessage" {
		return []call{{method: method}, {method: postPerChannelKey, channel: channel}}
	}
	return []call{{method: method}}
}

// reserve takes one token from every bucket the calls need, all or none. It
// returns 0 when they may go ahead, or how long until they all could.
func (p *pacer) reserve(calls ...call) time.Duration {
	p.mu.Lock()
	defer p.mu.Unlock()
	now := p.now()
	var wait time.Duration
	bs := make([]*bucket, len(calls))
	for i, c := range calls {
		b := p.bucket(c, now)
		need := 1.0
		for _, prev := range bs[:i] {
			if prev == b {
				need++
			}
		}
		if b.tokens < need {
			wait = max(wait, b.until(need))
		}
		bs[i] = b
	}
	if wait > 0 {
		return wait
	}
	for _, b := range bs {
		b.tokens--
	}
	return 0
}

// bucket returns the refilled bucket of a call, creating it full.
func (p *pacer) bucket(c call, now time.Time) *bucket {
	key := c.method + "|" + c.channel
	b, ok := p.buckets[key]
	if !ok {
		if len(p.buckets) >= maxBuckets {
			p.dropIdle(now)
		}
		r, known := p.rates[c.method]
		if !known {
			r = tier2
		}
		b = &bucket{tokens: float64(r.Burst), last: now, rate: r}
		p.buckets[key] = b
	}
	b.refill(now)
	return b
}

// untilIdle is how long until every bucket of the given methods is full:
// nothing has used them lately, so a background call cannot delay urgent
// ones.
func (p *pacer) untilIdle(methods ...string) time.Duration {
	p.mu.Lock()
	defer p.mu.Unlock()
	now := p.now()
	var wait time.Duration
	for _, m := range methods {
		if b := p.bucket(call{method: m}, now); b.tokens < float64(b.rate.Burst) {
			wait = max(wait, b.until(float64(b.rate.Burst)))
		}
	}
	return wait
}

// dropIdle forgets buckets that are full again: they would be created full.
func (p *pacer) dropIdle(now time.Time) {
	for k, b := range p.buckets {
		if b.refill(now); b.tokens >= float64(b.rate.Burst) {
			delete(p.buckets, k)
		}
	}
}

func (b *bucket) refill(now time.Time) {
	if now.After(b.last) {
		b.tokens = math.Min(float64(b.rate.Burst), b.tokens+now.Sub(b.last).Minutes()*b.rate.PerMinute)
		b.last = now
	}
}

// until is how long until the bucket holds n tokens.
func (b *bucket) until(n float64) time.Duration {
	if b.rate.PerMinute <= 0 || n > float64(b.rate.Burst) {
		return time.Hour
	}
	d := time.Duration((n - b.tokens) / b.rate.PerMinute * float64(time.Minute))
	return max(d.Round(time.Millisecond), time.Millisecond)
}

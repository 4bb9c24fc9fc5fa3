package playbooks

import (
	"context"
	"fmt"
	"maps"
	"sync"
	"time"

	"github.com/aws/aws-sdk-go-v2/service/cloudwatch"
)

// TagLister is the CloudWatch call TagSource needs, with the SDK's exact
// signature; *cloudwatch.Client satisfies it.
type TagLister interface {
	ListTagsForResource(ctx context.Context, params *cloudwatch.ListTagsForResourceInput, optFns ...func(*cloudwatch.Options)) (*cloudwatch.ListTagsForResourceOutput, error)
}

// defaultTagTTL is how long TagSource keeps an alarm's tags when no TTL is
// given. Tags change rarely; an alarm storm should not call AWS per alarm.
const defaultTagTTL = 10 * time.Minute

// maxCachedTags bounds the cache; expired entries are dropped past it.
const maxCachedTags = 10000

// TagSource reads alarms' own tags through CloudWatch and caches them for a
// TTL. Failures are not cached. It is safe for concurrent use.
type TagSource struct {
	client TagLister
	ttl    time.Duration
	now    func() time.Time

	mu    sync.Mutex
	cache map[string]cachedTags
}

type cachedTags struct {
	tags    map[string]string
	expires time.Time
}

// NewTagSource returns a TagSource. A ttl of 0 means DefaultTagTTL; a nil now
// means time.Now.
func NewTagSource(client TagLister, ttl time.Duration, now func() time.Time) *TagSource {
	if ttl <= 0 {
		ttl = defaultTagTTL
	}
	if now == nil {
		now = time.Now
	}
	return &TagSource{client: client, ttl: ttl, now: now, cache: map[string]cachedTags{}}
}

// Tags returns the tags of the alarm with that ARN (an empty map when it has
// none). The caller owns the returned map.
func (t *TagSource) Tags(ctx context.Context, arn string) (map[string]string, error) {
	if tags, ok := t.cached(arn); ok {
		return tags, nil
	}
	out, err := t.client.ListTagsForResource(ctx, &cloudwatch.ListTagsForResourceInput{ResourceARN: &arn})
	if err != nil {
		return nil, fmt.Errorf("list tags of alarm %s: %w", arn, err)
	}
	tags := make(map[string]string, len(out.Tags))
	for _, tag := range out.Tags {
		if tag.Key != nil {
			tags[*tag.Key] = deref(tag.Value)
		}
	}
	t.store(arn, tags)
	return maps.Clone(tags), nil
}

func (t *TagSource) cached(arn string) (map[string]string, bool) {
	t.mu.Lock()
	defer t.mu.Unlock()
	c, ok := t.cache[arn]
	if !ok || !t.now().Before(c.expires) {
		return nil, false
	}
	return maps.Clone(c.tags), true
}

func (t *TagSource) store(arn string, tags map[string]string) {
	t.mu.Lock()
	defer t.mu.Unlock()
	now := t.now()
	if len(t.cache) >= maxCachedTags {
		for k, c := range t.cache {
			if !now.Before(c.expires) {
				delete(t.cache, k)
			}
		}
	}
	t.cache[arn] = cachedTags{tags: tags, expires: now.Add(t.ttl)}
}

func deref(s *string) string {
	if s == nil {
		return ""
	}
	return *s
}

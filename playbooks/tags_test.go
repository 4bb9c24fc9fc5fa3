package playbooks

import (
	"context"
	"errors"
	"sync"
	"testing"
	"time"

	"github.com/aws/aws-sdk-go-v2/service/cloudwatch"
	"github.com/aws/aws-sdk-go-v2/service/cloudwatch/types"
	"github.com/google/go-cmp/cmp"
)

// fakeTags answers ListTagsForResource from a map and counts calls.
type fakeTags struct {
	mu    sync.Mutex
	tags  map[string]map[string]string
	err   error
	calls int
}

func (f *fakeTags) ListTagsForResource(_ context.Context, in *cloudwatch.ListTagsForResourceInput, _ ...func(*cloudwatch.Options)) (*cloudwatch.ListTagsForResourceOutput, error) {
	f.mu.Lock()
	defer f.mu.Unlock()
	f.calls++
	if f.err != nil {
		return nil, f.err
	}
	out := &cloudwatch.ListTagsForResourceOutput{}
	for k, v := range f.tags[*in.ResourceARN] {
		out.Tags = append(out.Tags, types.Tag{Key: &k, Value: &v})
	}
	return out, nil
}

// fakeClock is a settable clock.
type fakeClock struct{ t time.Time }

func (c *fakeClock) Now() time.Time { return c.t }

var _ TagLister = (*cloudwatch.Client)(nil)

func TestTagSource_Tags(t *testing.T) {
	const arn = "arn:aws:cloudwatch:us-east-1:123456789012:alarm:payments-api-alb-5xx"
	fake := &fakeTags{tags: map[string]map[string]string{arn: {"team": "payments", "service": "api"}}}
	clock := &fakeClock{t: changed}
	ts := NewTagSource(fake, time.Minute, clock.Now)
	ctx := context.Background()
	want := map[string]string{"team": "payments", "service": "api"}

	get := func(wantCalls int) map[string]string {
		t.Helper()
		got, err := ts.Tags(ctx, arn)
		if err != nil {
			t.Fatalf("Tags: %v", err)
		}
		if fake.calls != wantCalls {
			t.Errorf("ListTagsForResource calls = %d, want %d", fake.calls, wantCalls)
		}
		return got
	}
	if diff := cmp.Diff(want, get(1)); diff != "" {
		t.Errorf("Tags (-want +got):\n%s", diff)
	}
	got := get(1) // cached
	got["team"] = "mutated"
	if diff := cmp.Diff(want, get(1)); diff != "" {
		t.Errorf("cache was mutated through a returned map (-want +got):\n%s", diff)
	}
	clock.t = clock.t.Add(59 * time.Second)
	get(1)
	clock.t = clock.t.Add(time.Second) // TTL reached
	get(2)

	t.Run("no tags", func(t *testing.T) {
		tags, err := ts.Tags(ctx, "arn:aws:cloudwatch:us-east-1:123456789012:alarm:untagged")
		if err != nil || tags == nil || len(tags) != 0 {
			t.Errorf("Tags = %v, %v; want an empty map", tags, err)
		}
	})
}

func TestTagSource_Tags_ErrorNotCached(t *testing.T) {
	boom := errors.New("ThrottlingException: Rate exceeded")
	fake := &fakeTags{err: boom}
	ts := NewTagSource(fake, 0, (&fakeClock{t: changed}).Now)
	for range 2 {
		if _, err := ts.Tags(context.Background(), "arn:x"); !errors.Is(err, boom) {
			t.Fatalf("Tags err = %v, want %v", err, boom)
		}
	}
	if fake.calls != 2 {
		t.Errorf("calls = %d, want 2 (failures are not cached)", fake.calls)
	}
	fake.err = nil
	if _, err := ts.Tags(context.Background(), "arn:x"); err != nil {
		t.Errorf("after recovery: %v", err)
	}
}

package intake

import (
	"context"
	"errors"
	"strings"
	"sync"
	"testing"
	"testing/synctest"
	"time"

	"github.com/aws/aws-sdk-go-v2/service/sqs"
	"github.com/aws/aws-sdk-go-v2/service/sqs/types"
	"github.com/google/go-cmp/cmp"
)

const testQueue = "https://sqs.us-east-2.amazonaws.com/123456789012/tocsin-alarms"

// fakeSQS returns its batches (or errors) one receive at a time, then
// long-polls empty; it records deletions and when each receive happened.
type fakeSQS struct {
	mu       sync.Mutex
	results  []any // []types.Message or error, one per receive
	receives []time.Time
	deleted  []string
}

func (f *fakeSQS) ReceiveMessage(ctx context.Context, in *sqs.ReceiveMessageInput, _ ...func(*sqs.Options)) (*sqs.ReceiveMessageOutput, error) {
	f.mu.Lock()
	f.receives = append(f.receives, time.Now())
	var next any
	if len(f.results) > 0 {
		next, f.results = f.results[0], f.results[1:]
	}
	f.mu.Unlock()
	switch r := next.(type) {
	case error:
		return nil, r
	case []types.Message:
		return &sqs.ReceiveMessageOutput{Messages: r}, nil
	}
	select {
	case <-ctx.Done():
		return nil, ctx.Err()
	case <-time.After(time.Duration(in.WaitTimeSeconds) * time.Second):
		return &sqs.ReceiveMessageOutput{}, nil
	}
}

func (f *fakeSQS) DeleteMessage(_ context.Context, in *sqs.DeleteMessageInput, _ ...func(*sqs.Options)) (*sqs.DeleteMessageOutput, error) {
	f.mu.Lock()
	defer f.mu.Unlock()
	if *in.QueueUrl != testQueue {
		return nil, errors.New("wrong queue")
	}
	f.deleted = append(f.deleted, *in.ReceiptHandle)
	return &sqs.DeleteMessageOutput{}, nil
}

func sqsMessage(id, body string) types.Message {
	return types.Message{MessageId: ptr(id), ReceiptHandle: ptr("rh-" + id), Body: ptr(body)}
}

// runPoller runs p over the fake for d of fake time and until every
// goroutine waits, then stops it.
func runPoller(t *testing.T, p *Poller, d time.Duration) {
	ctx, cancel := context.WithCancel(t.Context())
	done := make(chan error)
	go func() { done <- p.Run(ctx) }()
	time.Sleep(d)
	synctest.Wait()
	cancel()
	if err := <-done; err != nil {
		t.Errorf("Run = %v; want nil after cancel", err)
	}
}

func TestPoller(t *testing.T) {
	f := mustFixture(t)
	alarm := mustRead(t, "metric-OK-to-ALARM.message.json")
	signed := string(mustJSON(t, f.sign(t, "2", notification(alarm))))
	tampered := strings.Replace(signed, "SprintOneProjStack", "SprintTwoProjStack", 1)
	foreign := string(mustJSON(t, f.sign(t, "2", with(notification(alarm), "TopicArn", otherTopic))))
	for _, tc := range []struct {
		name        string
		body        string
		sinkErr     error
		wantDeleted []string
		wantAlarm   []string // MessageID, TopicARN, FoundBy
		wantNotice  bool
		wantLog     string
	}{
		{"Envelope", signed, nil, []string{"rh-m1"}, []string{"22b80b92-fdea-4c2c-8f9d-bdfb0c7bf324", testTopic, "sqs"}, false, ""},
		{"RawCloudWatch", alarm, nil, []string{"rh-m1"}, []string{"m1", "", "sqs"}, false, ""},
		{"RawText", "deploy finished", nil, []string{"rh-m1"}, nil, true, ""},
		{"Tampered", tampered, nil, nil, nil, false, "reason=bad_signature"},
		{"UnknownTopic", foreign, nil, nil, nil, false, "reason=unknown_topic"},
		{"SinkFails", signed, errors.New("store down"), nil, nil, false, "sqs poll failed"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			synctest.Test(t, func(t *testing.T) {
				log, logs := newLogger()
				fake := &fakeSQS{results: []any{[]types.Message{sqsMessage("m1", tc.body)}}}
				sink := &fakeSink{err: tc.sinkErr}
				p := &Poller{SQS: fake, QueueURL: testQueue, Verifier: f.verifier(t), Topics: []string{testTopic},
					Sink: sink, Logger: log, Now: func() time.Time { return testNow }}
				runPoller(t, p, 0)
				if diff := cmp.Diff(tc.wantDeleted, fake.deleted); diff != "" {
					t.Errorf("deleted (-want +got):\n%s", diff)
				}
				var got []string
				if len(sink.alarms) == 1 {
					a := sink.alarms[0]
					got = []string{a.MessageID, a.TopicARN, a.FoundBy}
				}
				if diff := cmp.Diff(tc.wantAlarm, got); diff != "" || (len(sink.notices) == 1) != tc.wantNotice {
					t.Errorf("alarm (-want +got):\n%s\nnotices: %v", diff, sink.notices)
				}
				if !strings.Contains(logs.String(), tc.wantLog) {
					t.Errorf("log %q lacks %q", logs, tc.wantLog)
				}
			})
		})
	}
}

func TestPoller_backoff(t *testing.T) {
	synctest.Test(t, func(t *testing.T) {
		boom := errors.New("throttled")
		fake := &fakeSQS{results: []any{boom, boom, boom, []types.Message{}, boom}}
		p := &Poller{SQS: fake, QueueURL: testQueue, Sink: &fakeSink{}}
		start := time.Now()
		runPoller(t, p, 10*time.Second)
		var gaps []time.Duration
		for _, at := range fake.receives {
			gaps = append(gaps, at.Sub(start))
			start = at
		}
		// 1s, 2s, 4s after failures; none after a success; then 1s again.
		want := []time.Duration{0, time.Second, 2 * time.Second, 4 * time.Second, 0, time.Second}
		if diff := cmp.Diff(want, gaps); diff != "" {
			t.Errorf("gaps between receives (-want +got):\n%s", diff)
		}
	})
}

func TestPoller_misconfigured(t *testing.T) {
	if err := (&Poller{}).Run(t.Context()); err == nil {
		t.Error("Run without SQS, queue and sink = nil; want an error")
	}
}

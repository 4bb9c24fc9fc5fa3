package sim

import (
	"context"
	"errors"
	"net/http/httptest"
	"testing"
	"time"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/credentials"
	"github.com/aws/aws-sdk-go-v2/service/sqs"
	"github.com/aws/aws-sdk-go-v2/service/sqs/types"
	"github.com/aws/smithy-go"
)

type sqsFixture struct {
	sim    *SQS
	client *sqs.Client
	clock  *Clock
	queue  string
}

// mustSQS starts the stand-in behind an httptest.Server with a manual clock
// and one queue, "alarms", and returns a real SQS client without retries.
func mustSQS(tb testing.TB) sqsFixture {
	tb.Helper()
	clock := NewClock(time.Date(2026, 3, 1, 12, 0, 0, 0, time.UTC))
	s := NewSQS(SQSOptions{Now: clock.Now})
	srv := httptest.NewServer(s)
	tb.Cleanup(srv.Close)
	s.SetBaseURL(srv.URL)
	client := sqs.New(sqs.Options{
		Region:           "us-east-1",
		BaseEndpoint:     aws.String(srv.URL),
		Credentials:      credentials.NewStaticCredentialsProvider("AKID", "SECRET", ""),
		RetryMaxAttempts: 1,
	})
	return sqsFixture{sim: s, client: client, clock: clock, queue: s.CreateQueue("alarms")}
}

func (f sqsFixture) receive(tb testing.TB, wait int32) []types.Message {
	tb.Helper()
	out, err := f.client.ReceiveMessage(context.Background(), &sqs.ReceiveMessageInput{
		QueueUrl: aws.String(f.queue), MaxNumberOfMessages: 10, WaitTimeSeconds: wait,
		MessageSystemAttributeNames: []types.MessageSystemAttributeName{types.MessageSystemAttributeNameApproximateReceiveCount}})
	if err != nil {
		tb.Fatalf("ReceiveMessage: %v", err)
	}
	return out.Messages
}

func TestSQS_SendReceiveDelete(t *testing.T) {
	f := mustSQS(t)
	sent, err := f.client.SendMessage(context.Background(), &sqs.SendMessageInput{
		QueueUrl: aws.String(f.queue), MessageBody: aws.String(`{"AlarmName":"cpu-high"}`)})
	if err != nil {
		t.Fatalf("SendMessage: %v", err) // the SDK checks MD5OfMessageBody
	}
	f.sim.Send(f.queue, "second")
	msgs := f.receive(t, 0) // the SDK checks each MD5OfBody
	if len(msgs) != 2 || aws.ToString(msgs[0].MessageId) != aws.ToString(sent.MessageId) ||
		aws.ToString(msgs[0].Body) != `{"AlarmName":"cpu-high"}` || msgs[0].Attributes["ApproximateReceiveCount"] != "1" {
		t.Fatalf("received %+v", msgs)
	}
	if p, n := f.sim.Pending(f.queue), f.sim.InFlight(f.queue); p != 0 || n != 2 {
		t.Errorf("Pending %d InFlight %d, want 0 and 2", p, n)
	}
	for _, m := range msgs {
		if _, err := f.client.DeleteMessage(context.Background(), &sqs.DeleteMessageInput{
			QueueUrl: aws.String(f.queue), ReceiptHandle: m.ReceiptHandle}); err != nil {
			t.Fatalf("DeleteMessage: %v", err)
		}
	}
	f.clock.Advance(time.Hour)
	if msgs := f.receive(t, 0); len(msgs) != 0 || f.sim.InFlight(f.queue) != 0 {
		t.Errorf("deleted messages came back: %+v", msgs)
	}
}

func TestSQS_VisibilityTimeoutRedelivers(t *testing.T) {
	f := mustSQS(t)
	id := f.sim.Send(f.queue, "page the on-call")
	first := f.receive(t, 0)
	if len(first) != 1 || len(f.receive(t, 0)) != 0 {
		t.Fatalf("first receive %+v; the message must then be invisible", first)
	}
	f.clock.Advance(31 * time.Second)
	again := f.receive(t, 0)
	if len(again) != 1 || aws.ToString(again[0].MessageId) != id || again[0].Attributes["ApproximateReceiveCount"] != "2" {
		t.Fatalf("after the visibility timeout: %+v", again)
	}
	if aws.ToString(again[0].ReceiptHandle) == aws.ToString(first[0].ReceiptHandle) {
		t.Error("redelivery reused the receipt handle")
	}
	_, err := f.client.DeleteMessage(context.Background(), &sqs.DeleteMessageInput{
		QueueUrl: aws.String(f.queue), ReceiptHandle: first[0].ReceiptHandle})
	var invalid *types.ReceiptHandleIsInvalid
	if !errors.As(err, &invalid) {
		t.Errorf("delete with the stale handle: %v, want ReceiptHandleIsInvalid", err)
	}
	if _, err := f.client.DeleteMessage(context.Background(), &sqs.DeleteMessageInput{
		QueueUrl: aws.String(f.queue), ReceiptHandle: again[0].ReceiptHandle}); err != nil {
		t.Errorf("delete with the current handle: %v", err)
	}
}

func TestSQS_ChangeMessageVisibility(t *testing.T) {
	f := mustSQS(t)
	f.sim.Send(f.queue, "retry me")
	m := f.receive(t, 0)[0]
	change := func(secs int32) error {
		_, err := f.client.ChangeMessageVisibility(context.Background(), &sqs.ChangeMessageVisibilityInput{
			QueueUrl: aws.String(f.queue), ReceiptHandle: m.ReceiptHandle, VisibilityTimeout: secs})
		return err
	}
	if err := change(0); err != nil {
		t.Fatal(err)
	}
	m = f.receive(t, 0)[0]
	if err := change(5); err != nil {
		t.Fatal(err)
	}
	f.clock.Advance(6 * time.Second)
	var notInflight *types.MessageNotInflight
	if err := change(5); !errors.As(err, &notInflight) {
		t.Errorf("change after expiry: %v, want MessageNotInflight", err)
	}
}

// longPoll starts a 20-second ReceiveMessage and returns once it is parked.
func (f sqsFixture) longPoll(t *testing.T) <-chan []types.Message {
	t.Helper()
	done := make(chan []types.Message, 1)
	before := f.sim.waiting("alarms")
	go func() {
		out, err := f.client.ReceiveMessage(context.Background(), &sqs.ReceiveMessageInput{
			QueueUrl: aws.String(f.queue), WaitTimeSeconds: 20,
			MessageSystemAttributeNames: []types.MessageSystemAttributeName{types.MessageSystemAttributeNameAll}})
		if err != nil {
			t.Errorf("long poll: %v", err)
			out = &sqs.ReceiveMessageOutput{}
		}
		done <- out.Messages
	}()
	for f.sim.waiting("alarms") == before {
		time.Sleep(time.Millisecond) // until the poll is parked
	}
	return done
}

func TestSQS_LongPoll(t *testing.T) {
	f := mustSQS(t)
	start := time.Now()
	polled := f.longPoll(t)
	id := f.sim.Send(f.queue, "arrived during the wait")
	if msgs := <-polled; len(msgs) != 1 || aws.ToString(msgs[0].MessageId) != id || time.Since(start) > 5*time.Second {
		t.Errorf("long poll returned %+v after %v", msgs, time.Since(start))
	}

	polled = f.longPoll(t)
	f.clock.Advance(31 * time.Second) // the message becomes visible again
	if msgs := <-polled; len(msgs) != 1 || msgs[0].Attributes["ApproximateReceiveCount"] != "2" {
		t.Errorf("long poll during redelivery returned %+v", msgs)
	}

	ctx, cancel := context.WithTimeout(context.Background(), 50*time.Millisecond)
	defer cancel()
	_, err := f.client.ReceiveMessage(ctx, &sqs.ReceiveMessageInput{QueueUrl: aws.String(f.queue), WaitTimeSeconds: 20})
	if !errors.Is(err, context.DeadlineExceeded) {
		t.Errorf("cancelled long poll: %v", err)
	}
}

// waiting reports how many long polls are parked on the queue.
func (q *SQS) waiting(name string) int {
	q.mu.Lock()
	defer q.mu.Unlock()
	return q.queues[name].waiters
}

func TestSQS_Errors(t *testing.T) {
	f := mustSQS(t)
	ctx := context.Background()
	tests := []struct {
		name string
		call func() error
		code string
	}{
		{"UnknownQueue", func() error {
			_, err := f.client.SendMessage(ctx, &sqs.SendMessageInput{QueueUrl: aws.String(f.queue + "-nope"), MessageBody: aws.String("x")})
			return err
		}, "AWS.SimpleQueueService.NonExistentQueue"},
		{"GetQueueUrlUnknown", func() error {
			_, err := f.client.GetQueueUrl(ctx, &sqs.GetQueueUrlInput{QueueName: aws.String("nope")})
			return err
		}, "AWS.SimpleQueueService.NonExistentQueue"},
		{"GarbageReceiptHandle", func() error {
			_, err := f.client.DeleteMessage(ctx, &sqs.DeleteMessageInput{QueueUrl: aws.String(f.queue), ReceiptHandle: aws.String("garbage")})
			return err
		}, "ReceiptHandleIsInvalid"},
		{"TooManyMessages", func() error {
			_, err := f.client.ReceiveMessage(ctx, &sqs.ReceiveMessageInput{QueueUrl: aws.String(f.queue), MaxNumberOfMessages: 11})
			return err
		}, "InvalidParameterValue"},
		{"WaitTooLong", func() error {
			_, err := f.client.ReceiveMessage(ctx, &sqs.ReceiveMessageInput{QueueUrl: aws.String(f.queue), WaitTimeSeconds: 21})
			return err
		}, "InvalidParameterValue"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			var apiErr smithy.APIError
			if err := tt.call(); !errors.As(err, &apiErr) || apiErr.ErrorCode() != tt.code {
				t.Errorf("err = %v, want code %s", err, tt.code)
			}
		})
	}
	_, err := f.client.GetQueueUrl(ctx, &sqs.GetQueueUrlInput{QueueName: aws.String("nope")})
	if !errors.As(err, new(*types.QueueDoesNotExist)) {
		t.Errorf("errors.As QueueDoesNotExist: %v", err)
	}
}

func TestSQS_QueueOperations(t *testing.T) {
	f := mustSQS(t)
	ctx := context.Background()
	created, err := f.client.CreateQueue(ctx, &sqs.CreateQueueInput{QueueName: aws.String("slow"),
		Attributes: map[string]string{"VisibilityTimeout": "120"}})
	if err != nil {
		t.Fatal(err)
	}
	got, err := f.client.GetQueueUrl(ctx, &sqs.GetQueueUrlInput{QueueName: aws.String("slow")})
	if err != nil || aws.ToString(got.QueueUrl) != aws.ToString(created.QueueUrl) {
		t.Fatalf("GetQueueUrl = %v, %v; want %s", got, err, aws.ToString(created.QueueUrl))
	}
	f.sim.Send(f.queue, "a")
	f.sim.Send(f.queue, "b")
	f.receive(t, 0)
	f.sim.Send(f.queue, "c")
	attrs, err := f.client.GetQueueAttributes(ctx, &sqs.GetQueueAttributesInput{QueueUrl: aws.String(f.queue),
		AttributeNames: []types.QueueAttributeName{types.QueueAttributeNameApproximateNumberOfMessages,
			types.QueueAttributeNameApproximateNumberOfMessagesNotVisible}})
	if err != nil || attrs.Attributes["ApproximateNumberOfMessages"] != "1" || attrs.Attributes["ApproximateNumberOfMessagesNotVisible"] != "2" {
		t.Errorf("attributes = %v, %v", attrs.Attributes, err)
	}
	slow, err := f.client.GetQueueAttributes(ctx, &sqs.GetQueueAttributesInput{QueueUrl: created.QueueUrl,
		AttributeNames: []types.QueueAttributeName{types.QueueAttributeNameAll}})
	if err != nil || slow.Attributes["VisibilityTimeout"] != "120" {
		t.Errorf("slow queue attributes = %v, %v", slow.Attributes, err)
	}
	if calls := f.sim.Calls(); len(calls) != 5 || calls[0].Op != "CreateQueue" || calls[0].Input["QueueName"] != "slow" {
		t.Errorf("Calls() = %+v", calls)
	}
}

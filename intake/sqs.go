package intake

import (
	"context"
	"errors"
	"fmt"
	"log/slog"
	"time"

	"github.com/aws/aws-sdk-go-v2/service/sqs"
	"github.com/aws/aws-sdk-go-v2/service/sqs/types"
)

// SQSAPI is the part of the SQS client the Poller uses (the SDK methods).
type SQSAPI interface {
	ReceiveMessage(ctx context.Context, params *sqs.ReceiveMessageInput, optFns ...func(*sqs.Options)) (*sqs.ReceiveMessageOutput, error)
	DeleteMessage(ctx context.Context, params *sqs.DeleteMessageInput, optFns ...func(*sqs.Options)) (*sqs.DeleteMessageOutput, error)
}

// Poller long-polls an SQS queue subscribed to the alarm topic
// (TOCSIN_SQS_QUEUE_URL), instead of or besides POST /sns.
//
// A body that is an SNS envelope is checked exactly as over HTTP (topic
// allow-list, signature). A body that is not — the subscription uses raw
// message delivery — is taken as the bare CloudWatch message: then the
// queue policy, which says who may send to the queue, is the only
// authentication, so restrict it to the topic (aws:SourceArn). A message
// is deleted only after the Sink committed it; one that is refused stays
// and comes back after its visibility timeout, so give the queue a redrive
// policy (a dead-letter queue) to take such messages out of the way.
type Poller struct {
	SQS      SQSAPI
	QueueURL string
	Verifier *Verifier // nil: Run sets a zero Verifier
	Topics   []string  // TopicArn allow-list for enveloped messages
	Sink     Sink
	Logger   *slog.Logger     // nil discards
	Now      func() time.Time // nil means time.Now
	// MaxBackoff caps the pause after a failed poll; 0 means a minute.
	MaxBackoff time.Duration
}

// Run polls until ctx is done, then returns nil. A failed receive, or a
// Sink error, pauses it with exponential backoff.
func (p *Poller) Run(ctx context.Context) error {
	if p.SQS == nil || p.QueueURL == "" || p.Sink == nil {
		return errors.New("sqs poller needs SQS, QueueURL and Sink")
	}
	if p.Verifier == nil {
		p.Verifier = &Verifier{}
	}
	maxBackoff := p.MaxBackoff
	if maxBackoff <= 0 {
		maxBackoff = time.Minute
	}
	var backoff time.Duration
	for ctx.Err() == nil {
		err := p.poll(ctx)
		if err == nil || ctx.Err() != nil {
			backoff = 0
			continue
		}
		backoff = min(max(2*backoff, time.Second), maxBackoff)
		p.logger().Warn("sqs poll failed, backing off", "queue", p.QueueURL, "backoff", backoff, "err", err)
		t := time.NewTimer(backoff)
		select {
		case <-ctx.Done():
			t.Stop()
		case <-t.C:
		}
	}
	return nil
}

// poll receives one batch and handles it. It returns an error worth a
// pause: the receive failed or the Sink did.
func (p *Poller) poll(ctx context.Context) error {
	out, err := p.SQS.ReceiveMessage(ctx, &sqs.ReceiveMessageInput{
		QueueUrl: &p.QueueURL, MaxNumberOfMessages: 10, WaitTimeSeconds: 20,
	})
	if err != nil {
		return fmt.Errorf("receive from SQS: %w", err)
	}
	var errs []error
	for _, m := range out.Messages {
		err := p.handle(ctx, m)
		if err == nil {
			continue
		}
		if status, reason := classify(err); status < 500 {
			p.logger().Warn("sqs message refused", "reason", reason, "sqs_message_id", deref(m.MessageId), "err", err)
			continue
		}
		errs = append(errs, err)
	}
	return errors.Join(errs...)
}

// handle authenticates one message, hands it to the Sink and, once the
// Sink committed, deletes it.
func (p *Poller) handle(ctx context.Context, m types.Message) error {
	e, err := p.envelope(ctx, m)
	if err != nil {
		return err
	}
	if _, err := deliver(ctx, p.Sink, p.logger(), e, "sqs"); err != nil {
		return fmt.Errorf("hand SQS message %s to the sink: %w", e.MessageID, err)
	}
	// Delete even while shutting down: the Sink has committed it.
	dctx, cancel := context.WithTimeout(context.WithoutCancel(ctx), 5*time.Second)
	defer cancel()
	_, err = p.SQS.DeleteMessage(dctx, &sqs.DeleteMessageInput{QueueUrl: &p.QueueURL, ReceiptHandle: m.ReceiptHandle})
	if err != nil {
		return fmt.Errorf("delete SQS message %s (it will come again; the sink ignores the repeat): %w", e.MessageID, err)
	}
	return nil
}

// envelope returns the authenticated SNS envelope of a message body, or
// for a raw-delivery body an envelope around it with the SQS MessageId.
func (p *Poller) envelope(ctx context.Context, m types.Message) (Envelope, error) {
	body := deref(m.Body)
	e, err := ParseEnvelope([]byte(body))
	if errors.Is(err, ErrRawDelivery) {
		return Envelope{Type: TypeNotification, MessageID: deref(m.MessageId), Message: body}, nil
	}
	if err != nil {
		return Envelope{}, err
	}
	if !p.allowed(e.TopicARN) {
		return Envelope{}, fmt.Errorf("%w: %s is not in the allow-list", ErrUnknownTopic, e.TopicARN)
	}
	now := time.Now
	if p.Now != nil {
		now = p.Now
	}
	if err := p.Verifier.Verify(ctx, e, now()); err != nil {
		return Envelope{}, err
	}
	if e.Type != TypeNotification {
		p.logger().Warn("sns control message on the SQS queue, kept as a notice", "type", e.Type, "topic", e.TopicARN)
	}
	return e, nil
}

func (p *Poller) allowed(topic string) bool {
	for _, t := range p.Topics {
		if t == topic {
			return true
		}
	}
	return false
}

func (p *Poller) logger() *slog.Logger {
	if p.Logger == nil {
		return discard()
	}
	return p.Logger
}

// deref returns *p, or the zero value for nil (the SDK's optional fields).
func deref[T any](p *T) T {
	var zero T
	if p == nil {
		return zero
	}
	return *p
}

package intake

import (
	"context"
	"errors"
	"log/slog"

	"github.com/tocsin-dev/tocsin/incident"
)

// ErrOverloaded is what a Sink returns (wrapped or not) when it is shedding
// load; the handler then answers 503 with Retry-After.
var ErrOverloaded = errors.New("overloaded")

// Sink receives what intake accepted. Each method commits durably and
// idempotently (keyed by MessageID: SNS and SQS redeliver) before it
// returns nil; an error means nothing was committed and the message will
// come again.
type Sink interface {
	Alarm(ctx context.Context, a incident.Alarm) error
	Notice(ctx context.Context, n Notice) error
}

// Notice is an authenticated SNS message that is not an alarm state
// change: something published by hand, an EventBridge event, an
// unsubscribe confirmation. It is kept for people to read.
type Notice struct {
	MessageID string
	TopicARN  string
	Subject   string
	Text      string
}

// Outcomes of delivering a notification.
const (
	outcomeAlarm  = "alarm"
	outcomeNotice = "notice"
)

// deliver hands an authenticated notification to the sink: an alarm if
// the Message is one, else a notice. foundBy is "sns" or "sqs".
func deliver(ctx context.Context, sink Sink, log *slog.Logger, e Envelope, foundBy string) (string, error) {
	a, err := ParseAlarm(e.Message)
	if err == nil {
		a.MessageID, a.TopicARN, a.FoundBy = e.MessageID, e.TopicARN, foundBy
		a.BreachStart, a.StartMethod = BreachStart(a)
		return outcomeAlarm, sink.Alarm(ctx, a)
	}
	if !errors.Is(err, ErrNotAlarm) {
		log.Warn("cloudwatch alarm not understood, kept as a notice",
			"message_id", e.MessageID, "topic", e.TopicARN, "err", err)
	}
	n := Notice{MessageID: e.MessageID, TopicARN: e.TopicARN, Subject: e.Subject, Text: e.Message}
	return outcomeNotice, sink.Notice(ctx, n)
}

// discard is the logger used when none was given.
func discard() *slog.Logger { return slog.New(slog.DiscardHandler) }

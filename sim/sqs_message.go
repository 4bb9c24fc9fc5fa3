package sim

import (
	"context"
	"crypto/sha256"
	"encoding/base64"
	"fmt"
	"slices"
	"strconv"
	"time"
)

// sqsRecheck bounds how long a long poll sleeps while messages are in
// flight or delayed, so it notices them becoming visible even when the
// injected clock is advanced by hand.
const sqsRecheck = 20 * time.Millisecond

type sqsMessageInput struct {
	QueueUrl, MessageBody, ReceiptHandle        string
	DelaySeconds                                int
	MaxNumberOfMessages                         int
	WaitTimeSeconds, VisibilityTimeout          *int
	AttributeNames, MessageSystemAttributeNames []string
}

type sqsWireMessage struct {
	MessageId, ReceiptHandle, MD5OfBody, Body string
	Attributes                                map[string]string `json:",omitempty"`
}

func (q *SQS) sendMessage(in sqsMessageInput) (any, *sqsError) {
	if in.DelaySeconds < 0 || in.DelaySeconds > 900 {
		return nil, sqsInvalidValue("Value %d for parameter DelaySeconds is invalid. Reason: must be between 0 and 900.", in.DelaySeconds)
	}
	if in.MessageBody == "" {
		return nil, &sqsError{Code: "MissingParameter", Query: "MissingParameter", Status: 400,
			Message: "The request must contain the parameter MessageBody."}
	}
	for _, r := range in.MessageBody {
		if !(r == 0x9 || r == 0xA || r == 0xD || (r >= 0x20 && r <= 0xD7FF) || (r >= 0xE000 && r <= 0xFFFD) || r >= 0x10000) {
			return nil, &sqsError{Code: "InvalidMessageContents", Status: 400,
				Message: "Invalid characters found."}
		}
	}
	q.mu.Lock()
	defer q.mu.Unlock()
	qu, apiErr := q.queue(in.QueueUrl)
	if apiErr != nil {
		return nil, apiErr
	}
	m := q.enqueue(qu, in.MessageBody, time.Duration(in.DelaySeconds)*time.Second)
	return map[string]string{"MessageId": m.id, "MD5OfMessageBody": m.md5}, nil
}

func (q *SQS) receiveMessage(ctx context.Context, body []byte) (any, *sqsError) {
	in, apiErr := sqsDecode[sqsMessageInput](body)
	if apiErr != nil {
		return nil, apiErr
	}
	if in.MaxNumberOfMessages == 0 {
		in.MaxNumberOfMessages = 1
	}
	wait, visibility := 0, -1
	if in.WaitTimeSeconds != nil {
		wait = *in.WaitTimeSeconds
	}
	if in.VisibilityTimeout != nil {
		visibility = *in.VisibilityTimeout
	}
	switch {
	case in.MaxNumberOfMessages < 1 || in.MaxNumberOfMessages > 10:
		return nil, sqsInvalidValue("Value %d for parameter MaxNumberOfMessages is invalid. Reason: Must be between 1 and 10, if provided.", in.MaxNumberOfMessages)
	case wait < 0 || wait > 20:
		return nil, sqsInvalidValue("Value %d for parameter WaitTimeSeconds is invalid. Reason: Must be >= 0 and <= 20, if provided.", wait)
	case visibility < -1 || visibility > 43200:
		return nil, sqsInvalidValue("Value %d for parameter VisibilityTimeout is invalid. Reason: Must be between 0 and 43200.", visibility)
	}
	attrs := append(slices.Clone(in.AttributeNames), in.MessageSystemAttributeNames...)
	msgs, apiErr := q.poll(ctx, in.QueueUrl, time.Duration(wait)*time.Second, func(qu *sqsQueue, now time.Time) []sqsWireMessage {
		return q.take(qu, now, in.MaxNumberOfMessages, visibility, attrs)
	})
	if apiErr != nil {
		return nil, apiErr
	}
	return struct {
		Messages []sqsWireMessage `json:",omitempty"`
	}{msgs}, nil
}

// poll calls take until it returns messages, the wait (in real time) is
// over, or ctx ends.
func (q *SQS) poll(ctx context.Context, queueURL string, wait time.Duration,
	take func(*sqsQueue, time.Time) []sqsWireMessage) ([]sqsWireMessage, *sqsError) {
	deadline := time.NewTimer(wait)
	defer deadline.Stop()
	for {
		q.mu.Lock()
		qu, apiErr := q.queue(queueURL)
		if apiErr != nil {
			q.mu.Unlock()
			return nil, apiErr
		}
		now := q.now()
		msgs := take(qu, now)
		_, inFlight, delayed := qu.counts(now)
		wake := qu.wake
		if len(msgs) > 0 || wait == 0 {
			q.mu.Unlock()
			return msgs, nil
		}
		qu.waiters++
		q.mu.Unlock()

		var recheck <-chan time.Time
		if inFlight+delayed > 0 {
			recheck = time.After(sqsRecheck)
		}
		var gone bool
		select {
		case <-wake:
		case <-recheck:
		case <-deadline.C:
			wait = 0 // one last look, then return
		case <-ctx.Done():
			gone = true // take nothing the caller will not see
		}
		q.mu.Lock()
		qu.waiters--
		q.mu.Unlock()
		if gone {
			return nil, nil
		}
	}
}

// take receives up to limit visible messages; callers hold q.mu.
func (q *SQS) take(qu *sqsQueue, now time.Time, limit, visibilitySecs int, attrs []string) []sqsWireMessage {
	visibility := qu.visibility
	if visibilitySecs >= 0 {
		visibility = time.Duration(visibilitySecs) * time.Second
	}
	var out []sqsWireMessage
	for _, m := range qu.messages {
		if len(out) == limit {
			break
		}
		if now.Before(m.visibleAt) {
			continue
		}
		m.receives++
		if m.firstReceiveAt.IsZero() {
			m.firstReceiveAt = now
		}
		m.visibleAt = now.Add(visibility)
		delete(qu.handles, m.handle)
		q.seq++
		h := sha256.Sum256(fmt.Appendf(nil, "%s/%d/%d", m.id, m.receives, q.seq))
		m.handle = "AQEB" + base64.StdEncoding.EncodeToString(append(h[:], []byte(m.id)...))
		qu.handles[m.handle] = m
		out = append(out, sqsWireMessage{MessageId: m.id, ReceiptHandle: m.handle, MD5OfBody: m.md5,
			Body: m.body, Attributes: m.attributes(attrs)})
	}
	return out
}

// attributes returns the requested system attributes of m.
func (m *sqsMessage) attributes(names []string) map[string]string {
	all := map[string]string{
		"ApproximateReceiveCount":          strconv.Itoa(m.receives),
		"ApproximateFirstReceiveTimestamp": strconv.FormatInt(m.firstReceiveAt.UnixMilli(), 10),
		"SentTimestamp":                    strconv.FormatInt(m.sentAt.UnixMilli(), 10),
		"SenderId":                         "AIDAIENQZJOLO23YVJ4VO",
	}
	out := map[string]string{}
	for _, name := range names {
		if name == "All" {
			return all
		}
		if v, ok := all[name]; ok {
			out[name] = v
		}
	}
	return out
}

func (q *SQS) handle(in sqsMessageInput) (*sqsQueue, *sqsMessage, *sqsError) {
	qu, apiErr := q.queue(in.QueueUrl)
	if apiErr != nil {
		return nil, nil, apiErr
	}
	m := qu.handles[in.ReceiptHandle]
	if m == nil {
		return nil, nil, sqsErrHandle()
	}
	return qu, m, nil
}

func (q *SQS) deleteMessage(in sqsMessageInput) (any, *sqsError) {
	q.mu.Lock()
	defer q.mu.Unlock()
	qu, m, apiErr := q.handle(in)
	if apiErr != nil {
		return nil, apiErr
	}
	qu.remove(m)
	return struct{}{}, nil
}

func (q *SQS) changeVisibility(in sqsMessageInput) (any, *sqsError) {
	secs := 0
	if in.VisibilityTimeout != nil {
		secs = *in.VisibilityTimeout
	}
	if secs < 0 || secs > 43200 {
		return nil, sqsInvalidValue("Value %d for parameter VisibilityTimeout is invalid. Reason: Must be between 0 and 43200.", secs)
	}
	q.mu.Lock()
	defer q.mu.Unlock()
	qu, m, apiErr := q.handle(in)
	if apiErr != nil {
		return nil, apiErr
	}
	now := q.now()
	if !now.Before(m.visibleAt) {
		return nil, sqsErrNotInflight()
	}
	m.visibleAt = now.Add(time.Duration(secs) * time.Second)
	if secs == 0 {
		qu.notify()
	}
	return struct{}{}, nil
}

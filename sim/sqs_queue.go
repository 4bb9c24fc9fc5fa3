package sim

import (
	"crypto/md5"
	"encoding/hex"
	"slices"
	"strconv"
	"time"
)

type sqsQueue struct {
	name       string
	created    time.Time
	visibility time.Duration
	messages   []*sqsMessage          // in send order
	handles    map[string]*sqsMessage // latest receipt handle -> message
	waiters    int                    // long polls waiting now
	// wake is closed (and replaced) whenever a message may have become
	// receivable, to end long polls early.
	wake chan struct{}
}

type sqsMessage struct {
	id, body, md5  string
	sentAt         time.Time
	visibleAt      time.Time // not receivable before this
	receives       int
	firstReceiveAt time.Time
	handle         string
}

func (qu *sqsQueue) notify() {
	close(qu.wake)
	qu.wake = make(chan struct{})
}

// counts returns the visible, in-flight and delayed messages at now.
func (qu *sqsQueue) counts(now time.Time) (visible, inFlight, delayed int) {
	for _, m := range qu.messages {
		switch {
		case !now.Before(m.visibleAt):
			visible++
		case m.receives > 0:
			inFlight++
		default:
			delayed++
		}
	}
	return visible, inFlight, delayed
}

func (qu *sqsQueue) remove(m *sqsMessage) {
	delete(qu.handles, m.handle)
	qu.messages = slices.DeleteFunc(qu.messages, func(v *sqsMessage) bool { return v == m })
}

// Send enqueues body on the queue at queueURL, as SendMessage does, and
// returns the message id, or "" if there is no such queue.
func (q *SQS) Send(queueURL, body string) string {
	q.mu.Lock()
	defer q.mu.Unlock()
	qu, apiErr := q.queue(queueURL)
	if apiErr != nil {
		return ""
	}
	return q.enqueue(qu, body, 0).id
}

// enqueue adds a message; callers hold q.mu.
func (q *SQS) enqueue(qu *sqsQueue, body string, delay time.Duration) *sqsMessage {
	now := q.now()
	sum := md5.Sum([]byte(body))
	m := &sqsMessage{id: q.nextID("message"), body: body, md5: hex.EncodeToString(sum[:]), sentAt: now, visibleAt: now.Add(delay)}
	qu.messages = append(qu.messages, m)
	qu.notify()
	return m
}

// Pending is the number of messages ready to be received from the queue
// at queueURL (ApproximateNumberOfMessages).
func (q *SQS) Pending(queueURL string) int {
	visible, _ := q.queueCounts(queueURL)
	return visible
}

// InFlight is the number of messages received from the queue at queueURL
// and neither deleted nor visible again (ApproximateNumberOfMessagesNotVisible).
func (q *SQS) InFlight(queueURL string) int {
	_, inFlight := q.queueCounts(queueURL)
	return inFlight
}

// queueCounts counts the queue's messages now; an unknown queue has none.
func (q *SQS) queueCounts(queueURL string) (visible, inFlight int) {
	q.mu.Lock()
	defer q.mu.Unlock()
	qu, apiErr := q.queue(queueURL)
	if apiErr != nil {
		return 0, 0
	}
	visible, inFlight, _ = qu.counts(q.now())
	return visible, inFlight
}

type sqsQueueInput struct {
	QueueName, QueueUrl string
	Attributes          map[string]string
	AttributeNames      []string
}

func (q *SQS) createQueueOp(in sqsQueueInput) (any, *sqsError) {
	visibility := q.visibility
	if v, ok := in.Attributes["VisibilityTimeout"]; ok {
		secs, err := strconv.Atoi(v)
		if err != nil || secs < 0 || secs > 43200 {
			return nil, sqsInvalidValue("Invalid value for the parameter VisibilityTimeout.")
		}
		visibility = time.Duration(secs) * time.Second
	}
	q.mu.Lock()
	defer q.mu.Unlock()
	return map[string]string{"QueueUrl": q.createQueue(in.QueueName, visibility)}, nil
}

func (q *SQS) getQueueURL(in sqsQueueInput) (any, *sqsError) {
	q.mu.Lock()
	defer q.mu.Unlock()
	if q.queues[in.QueueName] == nil {
		return nil, sqsErrNoQueue()
	}
	return map[string]string{"QueueUrl": q.base + "/" + sqsAccount + "/" + in.QueueName}, nil
}

func (q *SQS) getQueueAttributes(in sqsQueueInput) (any, *sqsError) {
	q.mu.Lock()
	defer q.mu.Unlock()
	qu, apiErr := q.queue(in.QueueUrl)
	if apiErr != nil {
		return nil, apiErr
	}
	visible, inFlight, delayed := qu.counts(q.now())
	all := map[string]string{
		"ApproximateNumberOfMessages":           strconv.Itoa(visible),
		"ApproximateNumberOfMessagesNotVisible": strconv.Itoa(inFlight),
		"ApproximateNumberOfMessagesDelayed":    strconv.Itoa(delayed),
		"VisibilityTimeout":                     strconv.Itoa(int(qu.visibility / time.Second)),
		"QueueArn":                              "arn:aws:sqs:us-east-1:" + sqsAccount + ":" + qu.name,
		"CreatedTimestamp":                      strconv.FormatInt(qu.created.Unix(), 10),
		"ReceiveMessageWaitTimeSeconds":         "0",
		"DelaySeconds":                          "0",
	}
	out := map[string]string{}
	for _, name := range in.AttributeNames {
		if name == "All" {
			out = all
			break
		}
		v, ok := all[name]
		if !ok {
			return nil, &sqsError{Code: "InvalidAttributeName", Status: 400,
				Message: "Unknown Attribute " + name + "."}
		}
		out[name] = v
	}
	return map[string]any{"Attributes": out}, nil
}

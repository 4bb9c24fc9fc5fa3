package sim

import (
	"context"
	"crypto/sha256"
	"encoding/json"
	"fmt"
	"io"
	"net/http"
	"net/url"
	"strings"
	"sync"
	"time"
)

// sqsAccount is the account id in every queue URL and ARN.
const sqsAccount = "123456789012"

// SQSOptions configures the SQS stand-in.
type SQSOptions struct {
	// Now is the clock visibility timeouts and delays are measured with;
	// nil means time.Now. Long polls wait in real time.
	Now func() time.Time
	// VisibilityTimeout is the queues' default (30s when zero).
	VisibilityTimeout time.Duration
}

// SQSCall records one request the stand-in received.
type SQSCall struct {
	Op    string
	Input map[string]any
	At    time.Time
	// Error is the error code returned, empty on success.
	Error string
}

// SQS is a local stand-in for Amazon SQS standard queues, speaking the AWS
// JSON 1.0 protocol of the current aws-sdk-go-v2 client. Delivery is
// at-least-once: a message not deleted reappears after its visibility
// timeout.
type SQS struct {
	now        func() time.Time
	visibility time.Duration

	mu     sync.Mutex
	base   string
	seq    uint64
	queues map[string]*sqsQueue // by name
	calls  []SQSCall
}

// sqsError is an API error: its modelled shape name, the legacy query code
// sent in x-amzn-query-error (which the SDK reports as ErrorCode), and the
// HTTP status.
type sqsError struct {
	Code, Query string
	Status      int
	Message     string
}

func sqsErrNoQueue() *sqsError {
	return &sqsError{Code: "QueueDoesNotExist", Query: "AWS.SimpleQueueService.NonExistentQueue", Status: 400,
		Message: "The specified queue does not exist."}
}

func sqsErrHandle() *sqsError {
	return &sqsError{Code: "ReceiptHandleIsInvalid", Query: "ReceiptHandleIsInvalid", Status: 404,
		Message: "The input receipt handle is invalid."}
}

func sqsErrNotInflight() *sqsError {
	return &sqsError{Code: "MessageNotInflight", Query: "AWS.SimpleQueueService.MessageNotInflight", Status: 400,
		Message: "The message referred to isn't in flight."}
}

func sqsInvalidValue(format string, args ...any) *sqsError {
	return &sqsError{Code: "InvalidParameterValue", Query: "InvalidParameterValue", Status: 400, Message: fmt.Sprintf(format, args...)}
}

// NewSQS returns a stand-in with no queues; see CreateQueue.
func NewSQS(opts SQSOptions) *SQS {
	q := &SQS{now: opts.Now, visibility: opts.VisibilityTimeout, base: "http://sqs.localhost", queues: map[string]*sqsQueue{}}
	if q.now == nil {
		q.now = time.Now
	}
	if q.visibility <= 0 {
		q.visibility = 30 * time.Second
	}
	return q
}

// SetBaseURL sets the scheme and host queue URLs start with, normally the
// URL of the server the stand-in is mounted on.
func (q *SQS) SetBaseURL(base string) {
	q.mu.Lock()
	defer q.mu.Unlock()
	q.base = strings.TrimRight(base, "/")
}

// CreateQueue creates the named queue if it does not exist and returns its
// URL.
func (q *SQS) CreateQueue(name string) string {
	q.mu.Lock()
	defer q.mu.Unlock()
	return q.createQueue(name, q.visibility)
}

func (q *SQS) createQueue(name string, visibility time.Duration) string {
	if q.queues[name] == nil {
		q.queues[name] = &sqsQueue{name: name, created: q.now(), visibility: visibility,
			handles: map[string]*sqsMessage{}, wake: make(chan struct{})}
	}
	return q.base + "/" + sqsAccount + "/" + name
}

// queue finds a queue by URL; any host is accepted, so URLs stay valid
// when the base URL changes. Callers hold q.mu.
func (q *SQS) queue(queueURL string) (*sqsQueue, *sqsError) {
	u, err := url.Parse(queueURL)
	if err == nil {
		if account, name, ok := strings.Cut(strings.Trim(u.Path, "/"), "/"); ok && account == sqsAccount && q.queues[name] != nil {
			return q.queues[name], nil
		}
	}
	return nil, sqsErrNoQueue()
}

// Calls returns every request received so far, in the order they ended.
func (q *SQS) Calls() []SQSCall {
	q.mu.Lock()
	defer q.mu.Unlock()
	return append([]SQSCall(nil), q.calls...)
}

// ServeHTTP answers AWS JSON 1.0 requests whose X-Amz-Target starts with
// "AmazonSQS.".
func (q *SQS) ServeHTTP(w http.ResponseWriter, r *http.Request) {
	op, ok := strings.CutPrefix(r.Header.Get("X-Amz-Target"), "AmazonSQS.")
	if r.Method != http.MethodPost || !ok {
		sqsWrite(w, nil, &sqsError{Code: "UnknownOperationException", Status: 400,
			Message: "expected POST with X-Amz-Target AmazonSQS.<Operation>"})
		return
	}
	body, err := io.ReadAll(r.Body)
	input := map[string]any{}
	if err != nil || (len(body) > 0 && json.Unmarshal(body, &input) != nil) {
		sqsWrite(w, nil, &sqsError{Code: "SerializationException", Status: 400, Message: "request body is not a JSON object"})
		return
	}
	at := q.now()
	out, apiErr := q.dispatch(r.Context(), op, body)
	call := SQSCall{Op: op, Input: input, At: at}
	if apiErr != nil {
		call.Error = apiErr.Code
	}
	q.mu.Lock()
	q.calls = append(q.calls, call)
	q.mu.Unlock()
	sqsWrite(w, out, apiErr)
}

func (q *SQS) dispatch(ctx context.Context, op string, body []byte) (any, *sqsError) {
	if h, ok := sqsOps[op]; ok {
		return h(q, ctx, body)
	}
	return nil, &sqsError{Code: "UnknownOperationException", Status: 400,
		Message: "operation " + op + " is not supported by the stand-in"}
}

// sqsHandler serves one operation from its JSON body.
type sqsHandler func(q *SQS, ctx context.Context, body []byte) (any, *sqsError)

// sqsOps is every operation the stand-in serves, by its X-Amz-Target name.
var sqsOps = map[string]sqsHandler{
	"CreateQueue":             sqsOp((*SQS).createQueueOp),
	"GetQueueUrl":             sqsOp((*SQS).getQueueURL),
	"SendMessage":             sqsOp((*SQS).sendMessage),
	"ReceiveMessage":          (*SQS).receiveMessage,
	"DeleteMessage":           sqsOp((*SQS).deleteMessage),
	"ChangeMessageVisibility": sqsOp((*SQS).changeVisibility),
	"GetQueueAttributes":      sqsOp((*SQS).getQueueAttributes),
}

// sqsOp adapts an operation that never waits, so needs no ctx (only
// ReceiveMessage long-polls): it decodes the body into the operation's
// input first.
func sqsOp[T any](f func(*SQS, T) (any, *sqsError)) sqsHandler {
	return func(q *SQS, _ context.Context, body []byte) (any, *sqsError) {
		in, apiErr := sqsDecode[T](body)
		if apiErr != nil {
			return nil, apiErr
		}
		return f(q, in)
	}
}

func sqsWrite(w http.ResponseWriter, out any, apiErr *sqsError) {
	w.Header().Set("Content-Type", "application/x-amz-json-1.0")
	if apiErr != nil {
		typ := "com.amazonaws.sqs#" + apiErr.Code
		if apiErr.Code == "UnknownOperationException" || apiErr.Code == "SerializationException" {
			typ = "com.amazon.coral.service#" + apiErr.Code
		}
		if apiErr.Query != "" {
			w.Header().Set("x-amzn-query-error", apiErr.Query+";Sender")
		}
		awsJSONWriteError(w, apiErr.Status, typ, apiErr.Message)
		return
	}
	awsJSONWriteOutput(w, out)
}

func sqsDecode[T any](body []byte) (T, *sqsError) {
	in, err := awsJSONDecode[T](body)
	if err != nil {
		return in, &sqsError{Code: "SerializationException", Status: 400, Message: err.Error()}
	}
	return in, nil
}

// nextID returns a deterministic UUID-shaped id; callers hold q.mu.
func (q *SQS) nextID(kind string) string {
	q.seq++
	h := sha256.Sum256(fmt.Appendf(nil, "sqs/%s/%d", kind, q.seq))
	h[6] = h[6]&0x0f | 0x40
	h[8] = h[8]&0x3f | 0x80
	return fmt.Sprintf("%x-%x-%x-%x-%x", h[0:4], h[4:6], h[6:8], h[8:10], h[10:16])
}

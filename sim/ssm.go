package sim

import (
	"crypto/sha256"
	"encoding/json"
	"fmt"
	"io"
	"net/http"
	"strings"
	"sync"
	"time"
)

// SSMOptions configures the Systems Manager stand-in. Zero durations take the
// defaults; a negative duration means none at all.
type SSMOptions struct {
	// Now is the clock every status is computed from; nil means time.Now.
	Now func() time.Time
	// Instances are the managed instance ids SendCommand accepts. Instances
	// tagged with TagInstance are known too; any other id is answered with
	// InvalidInstanceId.
	Instances []string
	// PendingFor is how long an invocation or automation stays Pending after
	// it is sent (default 200ms). Cancellation takes as long.
	PendingFor time.Duration
	// RunFor is how long it then stays InProgress before its outcome
	// (default 1s).
	RunFor time.Duration
	// InvisibleFor is how long GetCommandInvocation answers
	// InvocationDoesNotExist after SendCommand, as real SSM briefly does
	// (default 0).
	InvisibleFor time.Duration
}

// SSMCall records one request the stand-in received.
type SSMCall struct {
	Op    string
	Input map[string]any
	At    time.Time
	// Error is the error code returned, empty on success.
	Error string
}

// SSM is a local stand-in for the Run Command and Automation parts of AWS
// Systems Manager, speaking AWS JSON 1.1 to the real aws-sdk-go-v2 client.
// Statuses advance with the injected clock; nothing runs in the background.
type SSM struct {
	now          func() time.Time
	pendingFor   time.Duration
	runFor       time.Duration
	invisibleFor time.Duration

	mu          sync.Mutex
	seq         uint64
	known       map[string]bool
	tags        map[string]map[string]string // instance id -> tag key -> value
	docs        map[string]*ssmDoc
	outcomes    map[ssmOutcomeKey]SSMOutcome
	faults      map[string]*ssmFault
	calls       []SSMCall
	commands    []*ssmCommand
	automations []*ssmAutomation
	tokens      map[string]*ssmAutomation // ClientToken -> execution
	hooks       map[string]func(SSMCall)  // see OnCall
}

// ssmError is an API error as written on the wire.
type ssmError struct {
	Code    string
	Status  int
	Message string
}

type ssmFault struct {
	n      int
	code   string
	status int
}

// NewSSM returns a stand-in preloaded with AWS-owned documents.
func NewSSM(opts SSMOptions) *SSM {
	s := &SSM{
		now:          opts.Now,
		pendingFor:   ssmDuration(opts.PendingFor, 200*time.Millisecond),
		runFor:       ssmDuration(opts.RunFor, time.Second),
		invisibleFor: ssmDuration(opts.InvisibleFor, 0),
		known:        map[string]bool{},
		tags:         map[string]map[string]string{},
		docs:         map[string]*ssmDoc{},
		outcomes:     map[ssmOutcomeKey]SSMOutcome{},
		faults:       map[string]*ssmFault{},
		tokens:       map[string]*ssmAutomation{},
	}
	if s.now == nil {
		s.now = time.Now
	}
	for _, id := range opts.Instances {
		s.known[id] = true
	}
	for _, d := range ssmAWSDocuments() {
		doc, err := ssmNewDoc(d, "Amazon")
		if err != nil {
			continue // the built-in documents are known to compile
		}
		s.docs[d.Name] = doc
	}
	return s
}

func ssmDuration(d, def time.Duration) time.Duration {
	switch {
	case d < 0:
		return 0
	case d == 0:
		return def
	}
	return d
}

// FailNext makes the next n calls of op fail with the error code and HTTP
// status given, e.g. ("SendCommand", 2, "ThrottlingException", 400).
func (s *SSM) FailNext(op string, n int, code string, status int) {
	s.mu.Lock()
	defer s.mu.Unlock()
	s.faults[op] = &ssmFault{n: n, code: code, status: status}
}

// Calls returns every request received so far, in order.
func (s *SSM) Calls() []SSMCall {
	s.mu.Lock()
	defer s.mu.Unlock()
	return append([]SSMCall(nil), s.calls...)
}

// ServeHTTP answers AWS JSON 1.1 requests whose X-Amz-Target starts with
// "AmazonSSM.".
func (s *SSM) ServeHTTP(w http.ResponseWriter, r *http.Request) {
	op, ok := strings.CutPrefix(r.Header.Get("X-Amz-Target"), "AmazonSSM.")
	if r.Method != http.MethodPost || !ok {
		ssmWrite(w, nil, &ssmError{"UnknownOperationException", 400, "expected POST with X-Amz-Target AmazonSSM.<Operation>"})
		return
	}
	body, err := io.ReadAll(r.Body)
	if err != nil {
		ssmWrite(w, nil, &ssmError{"SerializationException", 400, "read request body"})
		return
	}
	input := map[string]any{}
	if len(body) > 0 && json.Unmarshal(body, &input) != nil {
		ssmWrite(w, nil, &ssmError{"SerializationException", 400, "request body is not a JSON object"})
		return
	}

	s.mu.Lock()
	now := s.now()
	out, apiErr := s.injected(op)
	if apiErr == nil {
		out, apiErr = s.dispatch(op, body, now)
	}
	call := SSMCall{Op: op, Input: input, At: now}
	if apiErr != nil {
		call.Error = apiErr.Code
	}
	s.calls = append(s.calls, call)
	s.mu.Unlock()
	s.ssmHook(call)

	ssmWrite(w, out, apiErr)
}

func (s *SSM) injected(op string) (any, *ssmError) {
	f := s.faults[op]
	if f == nil || f.n <= 0 {
		return nil, nil
	}
	f.n--
	return nil, &ssmError{f.code, f.status, "injected fault"}
}

// ssmOp is an operation of the stand-in: it decodes the request body into
// the operation's input shape, then runs the operation at now.
type ssmOp func(s *SSM, body []byte, now time.Time) (any, *ssmError)

// ssmOps are the SSM operations the stand-in speaks, by X-Amz-Target name.
var ssmOps = map[string]ssmOp{
	"SendCommand":              ssmDecoded((*SSM).sendCommand),
	"ListCommands":             ssmDecoded((*SSM).listCommands),
	"GetCommandInvocation":     ssmDecoded((*SSM).getCommandInvocation),
	"ListCommandInvocations":   ssmDecoded((*SSM).listCommandInvocations),
	"CancelCommand":            ssmDecoded((*SSM).cancelCommand),
	"StartAutomationExecution": ssmDecoded((*SSM).startAutomation),
	"GetAutomationExecution":   ssmDecoded((*SSM).getAutomation),
	"StopAutomationExecution":  ssmDecoded((*SSM).stopAutomation),
	"DescribeDocument":         ssmDecoded((*SSM).describeDocument),
	"GetDocument":              ssmDecoded((*SSM).getDocument),
}

// ssmDecoded makes an ssmOp of an operation that takes its decoded input.
func ssmDecoded[T any](f func(*SSM, T, time.Time) (any, *ssmError)) ssmOp {
	return func(s *SSM, body []byte, now time.Time) (any, *ssmError) {
		in, apiErr := ssmDecode[T](body)
		if apiErr != nil {
			return nil, apiErr
		}
		return f(s, in, now)
	}
}

func (s *SSM) dispatch(op string, body []byte, now time.Time) (any, *ssmError) {
	if f, ok := ssmOps[op]; ok {
		return f(s, body, now)
	}
	return nil, &ssmError{"UnknownOperationException", 400, "operation " + op + " is not supported by the stand-in"}
}

func ssmWrite(w http.ResponseWriter, out any, apiErr *ssmError) {
	w.Header().Set("Content-Type", "application/x-amz-json-1.1")
	if apiErr != nil {
		awsJSONWriteError(w, apiErr.Status, apiErr.Code, apiErr.Message)
		return
	}
	awsJSONWriteOutput(w, out)
}

// ssmDecode decodes a request body into the operation's input shape.
func ssmDecode[T any](body []byte) (T, *ssmError) {
	in, err := awsJSONDecode[T](body)
	if err != nil {
		return in, &ssmError{"SerializationException", 400, "decode request: " + err.Error()}
	}
	return in, nil
}

func ssmInvalid(code, format string, args ...any) *ssmError {
	return &ssmError{code, 400, fmt.Sprintf(format, args...)}
}

// nextID returns a deterministic 36-character, UUID-shaped id, so runs
// of the demo and golden tests are repeatable. Callers hold s.mu.
func (s *SSM) nextID(kind string) string {
	s.seq++
	return ssmUUID(fmt.Sprintf("%s/%d", kind, s.seq))
}

func ssmUUID(seed string) string {
	h := sha256.Sum256([]byte(seed))
	h[6] = h[6]&0x0f | 0x40
	h[8] = h[8]&0x3f | 0x80
	return fmt.Sprintf("%x-%x-%x-%x-%x", h[0:4], h[4:6], h[6:8], h[8:10], h[10:16])
}

// ssmEpoch renders a timestamp the way AWS JSON 1.1 does: epoch seconds.
func ssmEpoch(t time.Time) float64 {
	return float64(t.UnixMilli()) / 1000
}

// ssmClock renders the string timestamps of GetCommandInvocation.
func ssmClock(t time.Time) string {
	if t.IsZero() {
		return ""
	}
	return t.UTC().Format("2006-01-02T15:04:05.000Z")
}

// ssmTruncate keeps the first n characters of s, as SSM does with output.
func ssmTruncate(s string, n int) string {
	if len(s) <= n {
		return s
	}
	r := []rune(s)
	if len(r) <= n {
		return s
	}
	return string(r[:n])
}

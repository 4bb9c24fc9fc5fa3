package sim

import (
	"context"
	"encoding/json"
	"io"
	"maps"
	"mime"
	"net/http"
	"net/url"
	"path"
	"strings"
	"time"
)

// SlackCall is one request the stand-in answered, refused or dropped.
type SlackCall struct {
	Method string
	// Params are the form values (first value of each), or the top-level fields of a
	// JSON body (strings as they are, anything else as JSON text). The token is never
	// recorded.
	Params map[string]string
	At     time.Time
	// Status is the HTTP status sent; 0 when the connection was reset.
	Status int
	// Error is the ok:false error sent, if any ("connection_reset" for a reset).
	Error string
}

// SlackFault is a failure injected with [Slack.FailNext].
type SlackFault struct {
	// Status is the HTTP status to answer with (429, 500, 503…); 0 means 200.
	Status int
	// RetryAfter, when set, is sent as Retry-After, rounded up to whole seconds.
	RetryAfter time.Duration
	// Error is an ok:false error (e.g. "channel_not_found"), sent with Status or 200.
	Error string
	// Delay holds the answer back. A fault with only a Delay then answers normally.
	Delay time.Duration
	// Reset closes the connection without any response.
	Reset bool
}

// FailNext makes the next n calls of method (e.g. "chat.postMessage") fail with f.
// Faults queue up behind earlier ones and are applied before the token is checked.
func (s *Slack) FailNext(method string, n int, f SlackFault) {
	s.mu.Lock()
	defer s.mu.Unlock()
	for range n {
		s.faults[method] = append(s.faults[method], f)
	}
}

// Calls returns every call so far, oldest first.
func (s *Slack) Calls() []SlackCall {
	s.mu.Lock()
	defer s.mu.Unlock()
	out := make([]SlackCall, len(s.calls))
	for i, c := range s.calls {
		c.Params = maps.Clone(c.Params)
		out[i] = c
	}
	return out
}

// CallCount is how many calls of method were made, whatever their outcome.
func (s *Slack) CallCount(method string) int {
	s.mu.Lock()
	defer s.mu.Unlock()
	n := 0
	for _, c := range s.calls {
		if c.Method == method {
			n++
		}
	}
	return n
}

// RateLimited counts the HTTP 429 answers by method, injected ones included.
func (s *Slack) RateLimited() map[string]int {
	s.mu.Lock()
	defer s.mu.Unlock()
	return maps.Clone(s.limited)
}

// slackRequest is a decoded request.
type slackRequest struct {
	method      string
	params      map[string]string
	token       string
	body        []byte
	contentType string
	pathID      string // last path element, for upload and response URLs
	badInput    string // an error code when the body could not be decoded
}

// slackReply is what a handler decided; slackWrite turns it into HTTP.
type slackReply struct {
	status     int // 0 means 200
	fields     map[string]any
	err        string
	text       string // a plain-text body instead of JSON
	retryAfter time.Duration
}

// slackHandler implements one method. It runs with s.mu held.
type slackHandler func(*Slack, *slackRequest) slackReply

func slackOK(fields map[string]any) slackReply { return slackReply{fields: fields} }

func slackFail(code string) slackReply { return slackReply{err: code} }

// slackServe is the pipeline every route goes through: decode, latency, faults,
// then token, rate limit and the handler under the lock, recording the outcome.
func (s *Slack) slackServe(rt slackRoute) http.HandlerFunc {
	return func(w http.ResponseWriter, r *http.Request) {
		q := slackReadRequest(r, rt.method)
		if !s.slackSleep(r.Context(), s.opts.Latency) {
			slackHijackClose(w)
			return
		}
		if f, ok := s.slackNextFault(q.method); ok {
			if !s.slackSleep(r.Context(), f.Delay) {
				slackHijackClose(w)
				return
			}
			if f.Reset {
				s.slackRecord(q, slackReply{err: "connection_reset"}, 0)
				slackHijackClose(w)
				return
			}
			if f.Status != 0 || f.Error != "" {
				rep := slackFaultReply(f)
				s.slackRecord(q, rep, rep.httpStatus())
				slackWrite(w, rep)
				return
			}
		}
		rep := s.slackAnswer(rt, q)
		s.slackHook(q, rep)
		slackWrite(w, rep)
	}
}

func (s *Slack) slackAnswer(rt slackRoute, q *slackRequest) slackReply {
	s.mu.Lock()
	defer s.mu.Unlock()
	rep := s.slackDecide(rt, q)
	s.slackRecordLocked(q, rep, rep.httpStatus())
	return rep
}

func (s *Slack) slackDecide(rt slackRoute, q *slackRequest) slackReply {
	if q.badInput != "" {
		return slackFail(q.badInput)
	}
	if !rt.public {
		switch q.token {
		case "":
			return slackFail("not_authed")
		case s.opts.BotToken:
		default:
			return slackFail("invalid_auth")
		}
	}
	if wait, ok := s.slackTake(q); !ok {
		return slackReply{status: http.StatusTooManyRequests, err: "ratelimited", retryAfter: wait}
	}
	return rt.handler(s, q)
}

func (s *Slack) slackNextFault(method string) (SlackFault, bool) {
	s.mu.Lock()
	defer s.mu.Unlock()
	q := s.faults[method]
	if len(q) == 0 {
		return SlackFault{}, false
	}
	s.faults[method] = q[1:]
	return q[0], true
}

func slackFaultReply(f SlackFault) slackReply {
	rep := slackReply{status: f.Status, err: f.Error, retryAfter: f.RetryAfter}
	switch {
	case f.Status == http.StatusTooManyRequests && rep.err == "":
		rep.err = "ratelimited"
	case f.Status >= 500 && rep.err == "":
		// Slack answers 5xx with an HTML page, not JSON.
		rep.text = http.StatusText(f.Status)
	}
	return rep
}

func (s *Slack) slackRecord(q *slackRequest, rep slackReply, status int) {
	s.mu.Lock()
	defer s.mu.Unlock()
	s.slackRecordLocked(q, rep, status)
}

func (s *Slack) slackRecordLocked(q *slackRequest, rep slackReply, status int) {
	s.calls = append(s.calls, SlackCall{
		Method: q.method, Params: maps.Clone(q.params), At: s.slackNow(),
		Status: status, Error: rep.err,
	})
	if status == http.StatusTooManyRequests {
		s.limited[q.method]++
	}
}

func (r slackReply) httpStatus() int {
	if r.status == 0 {
		return http.StatusOK
	}
	return r.status
}

// slackReadRequest decodes the form or JSON body and finds the token.
func slackReadRequest(r *http.Request, method string) *slackRequest {
	q := &slackRequest{method: method, params: map[string]string{}, contentType: r.Header.Get("Content-Type")}
	if q.method == "" {
		q.method = strings.TrimPrefix(r.URL.Path, "/")
	}
	q.pathID = path.Base(r.URL.Path)
	for k, v := range r.URL.Query() {
		q.params[k] = v[0]
	}
	body, err := io.ReadAll(io.LimitReader(r.Body, 64<<20))
	if err != nil {
		q.badInput = "invalid_form_data"
	}
	q.body = body
	mt, _, _ := mime.ParseMediaType(q.contentType)
	switch mt {
	case "application/json":
		if !slackJSONParams(body, q.params) {
			q.badInput = "invalid_json"
		}
	case "multipart/form-data":
		// Only the upload URL takes multipart; its handler reads the body.
	default:
		vals, err := url.ParseQuery(string(body))
		if err != nil {
			q.badInput = "invalid_form_data"
		}
		for k, v := range vals {
			q.params[k] = v[0]
		}
	}
	q.token = q.params["token"]
	delete(q.params, "token")
	if bearer, ok := strings.CutPrefix(r.Header.Get("Authorization"), "Bearer "); ok && q.token == "" {
		q.token = bearer
	}
	return q
}

// slackJSONParams flattens the top level of a JSON object into params.
func slackJSONParams(body []byte, params map[string]string) bool {
	var top map[string]json.RawMessage
	if err := json.Unmarshal(body, &top); err != nil {
		return false
	}
	for k, raw := range top {
		var str string
		if json.Unmarshal(raw, &str) == nil {
			params[k] = str
			continue
		}
		params[k] = string(raw)
	}
	return true
}

// slackSleep waits d, or until the client goes away or the server closes (then it
// reports false).
func (s *Slack) slackSleep(ctx context.Context, d time.Duration) bool {
	if d <= 0 {
		return true
	}
	t := time.NewTimer(d)
	defer t.Stop()
	select {
	case <-t.C:
		return true
	case <-ctx.Done():
		return false
	case <-s.done:
		return false
	}
}

package sim

import (
	"encoding/xml"
	"fmt"
	"net/http"
	"regexp"
	"sync"
	"time"
)

// SNSPublishOptions configure the SNS Publish stand-in.
type SNSPublishOptions struct {
	// Topics are the topic ARNs that exist; publishing to another answers
	// NotFound.
	Topics []string
	// Now stamps the messages; nil is time.Now.
	Now func() time.Time
}

// SNSMessage is one message the stand-in accepted.
type SNSMessage struct {
	MessageID   string
	TopicARN    string // or
	PhoneNumber string // a direct SMS
	Message     string
	Subject     string
	At          time.Time
}

// SNSPublish is a local stand-in for Amazon SNS's Publish action, in the
// AWS query protocol the aws-sdk-go-v2 sns client speaks: a form POST
// (Action=Publish&Version=2010-03-31&TopicArn=…&Message=… or
// PhoneNumber=…), answered with the XML of AWS's API reference
// (<PublishResponse><PublishResult><MessageId>…) or an <ErrorResponse>
// whose codes and statuses are those the reference lists for Publish:
// InvalidParameter 400, AuthorizationError 403, NotFound 404,
// InternalError 500 and Throttled 429. Throttle switches throttling on and
// off; FailNext answers the next calls with an error.
type SNSPublish struct {
	now    func() time.Time
	topics map[string]bool

	mu        sync.Mutex
	throttled bool
	faults    []snsError
	published []SNSMessage
	calls     int
	hooks     map[string]func(SNSMessage) // see OnCall
}

// snsError is an error as the query protocol writes it.
type snsError struct {
	Status  int
	Type    string // Sender or Receiver
	Code    string
	Message string
}

// The errors the stand-in answers, as AWS's API reference for Publish
// documents them.
var (
	snsThrottled = snsError{http.StatusTooManyRequests, "Sender", "Throttled", "Rate exceeded"}
	// SNSAuthorizationError: the caller may not publish to the topic.
	SNSAuthorizationError = snsError{http.StatusForbidden, "Sender", "AuthorizationError", "User is not authorized to perform: SNS:Publish on resource"}
	// SNSInternalError is SNS failing on its side.
	SNSInternalError = snsError{http.StatusInternalServerError, "Receiver", "InternalError", "Internal error"}
)

// e164 is the phone number form SNS accepts for direct SMS.
var e164 = regexp.MustCompile(`^\+[1-9][0-9]{1,14}$`)

// NewSNSPublish returns the stand-in.
func NewSNSPublish(o SNSPublishOptions) *SNSPublish {
	if o.Now == nil {
		o.Now = time.Now
	}
	s := &SNSPublish{now: o.Now, topics: map[string]bool{}}
	for _, t := range o.Topics {
		s.topics[t] = true
	}
	return s
}

// Throttle makes every Publish answer Throttled (429) while on.
func (s *SNSPublish) Throttle(on bool) {
	s.mu.Lock()
	defer s.mu.Unlock()
	s.throttled = on
}

// FailNext answers the next n calls with err (SNSAuthorizationError,
// SNSInternalError).
func (s *SNSPublish) FailNext(err snsError, n int) {
	s.mu.Lock()
	defer s.mu.Unlock()
	for range n {
		s.faults = append(s.faults, err)
	}
}

// OnCall makes fn run after each accepted Publish, before it is answered:
// a crash test kills the program under test there, so that the message
// was published and its caller never heard. "Publish" is the only op.
func (s *SNSPublish) OnCall(op string, fn func(SNSMessage)) {
	s.mu.Lock()
	defer s.mu.Unlock()
	setHook(&s.hooks, op, fn)
}

// Published returns the messages accepted, in order.
func (s *SNSPublish) Published() []SNSMessage {
	s.mu.Lock()
	defer s.mu.Unlock()
	return append([]SNSMessage(nil), s.published...)
}

// Calls is how many Publish requests arrived, answered or refused.
func (s *SNSPublish) Calls() int {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.calls
}

// ServeHTTP answers one query-protocol request.
func (s *SNSPublish) ServeHTTP(w http.ResponseWriter, r *http.Request) {
	if err := r.ParseForm(); err != nil || r.Method != http.MethodPost {
		snsWriteError(w, snsError{http.StatusBadRequest, "Sender", "InvalidParameter", "Invalid request"})
		return
	}
	f := r.PostForm
	if f.Get("Action") != "Publish" || f.Get("Version") != "2010-03-31" {
		snsWriteError(w, snsError{http.StatusBadRequest, "Sender", "InvalidAction",
			fmt.Sprintf("The action %s is not valid for this endpoint (this stand-in serves Publish, version 2010-03-31).", f.Get("Action"))})
		return
	}
	msg := SNSMessage{TopicARN: f.Get("TopicArn"), PhoneNumber: f.Get("PhoneNumber"), Message: f.Get("Message"),
		Subject: f.Get("Subject"), At: s.now()}
	msg, fault := s.publish(msg, f.Get("TargetArn") != "")
	if fault != nil {
		snsWriteError(w, *fault)
		return
	}
	s.mu.Lock()
	hook := s.hooks["Publish"]
	s.mu.Unlock()
	if hook != nil {
		hook(msg)
	}
	w.Header().Set("Content-Type", "text/xml")
	fmt.Fprintf(w, `<PublishResponse xmlns="https://sns.amazonaws.com/doc/2010-03-31/">
    <PublishResult>
        <MessageId>%s</MessageId>
    </PublishResult>
    <ResponseMetadata>
        <RequestId>%s</RequestId>
    </ResponseMetadata>
</PublishResponse>
`, msg.MessageID, NewUUID())
}

// publish decides a Publish: a fault, a validation error, or the message
// accepted and recorded.
func (s *SNSPublish) publish(m SNSMessage, hasTarget bool) (SNSMessage, *snsError) {
	s.mu.Lock()
	defer s.mu.Unlock()
	s.calls++
	switch {
	case s.throttled:
		return m, &snsThrottled
	case len(s.faults) > 0:
		f := s.faults[0]
		s.faults = s.faults[1:]
		return m, &f
	}
	if err := snsValidate(m, hasTarget, s.topics); err != nil {
		return m, err
	}
	m.MessageID = NewUUID()
	s.published = append(s.published, m)
	return m, nil
}

// snsValidate checks a Publish as SNS does.
func snsValidate(m SNSMessage, hasTarget bool, topics map[string]bool) *snsError {
	invalid := func(msg string) *snsError {
		return &snsError{http.StatusBadRequest, "Sender", "InvalidParameter", "Invalid parameter: " + msg}
	}
	n := 0
	for _, set := range []bool{m.TopicARN != "", m.PhoneNumber != "", hasTarget} {
		if set {
			n++
		}
	}
	switch {
	case n == 0:
		return invalid("TopicArn or TargetArn Reason: no value for required parameter")
	case n > 1:
		return invalid("TopicArn Reason: Only one of TopicArn, TargetArn or PhoneNumber may be given")
	case hasTarget:
		return invalid("TargetArn Reason: this stand-in has no platform endpoints")
	case m.Message == "":
		return invalid("Empty message")
	case len(m.Message) > 256*1024:
		return invalid("Message too long")
	case m.PhoneNumber != "" && !e164.MatchString(m.PhoneNumber):
		return invalid("PhoneNumber Reason: " + m.PhoneNumber + " is not valid to publish to")
	case m.TopicARN != "" && !topics[m.TopicARN]:
		return &snsError{http.StatusNotFound, "Sender", "NotFound", "Topic does not exist"}
	}
	return nil
}

// snsWriteError writes an <ErrorResponse> as the query protocol does.
func snsWriteError(w http.ResponseWriter, e snsError) {
	type errBody struct {
		Type    string `xml:"Type"`
		Code    string `xml:"Code"`
		Message string `xml:"Message"`
	}
	body := struct {
		XMLName   xml.Name `xml:"ErrorResponse"`
		XMLNS     string   `xml:"xmlns,attr"`
		Error     errBody  `xml:"Error"`
		RequestID string   `xml:"RequestId"`
	}{XMLNS: "https://sns.amazonaws.com/doc/2010-03-31/", Error: errBody{e.Type, e.Code, e.Message}, RequestID: NewUUID()}
	w.Header().Set("Content-Type", "text/xml")
	w.WriteHeader(e.Status)
	_ = xml.NewEncoder(w).Encode(body)
}

package intake

import (
	"bytes"
	"context"
	"encoding/xml"
	"errors"
	"fmt"
	"log/slog"
	"net/http"
	"strconv"
	"strings"
	"sync"
	"time"

	"github.com/prometheus/client_golang/prometheus"

	"github.com/tocsin-dev/tocsin/incident"
	"github.com/tocsin-dev/tocsin/logsample"
)

// MaxBodyBytes caps an SNS request body: SNS messages are at most 256 KiB,
// and the envelope and its JSON escaping add to that.
const MaxBodyBytes = 256<<10 + 64<<10

// Errors of the handler's checks, besides those of ParseEnvelope and Verify.
var (
	// ErrTypeMismatch: the x-amz-sns-message-type header and the body's
	// Type differ.
	ErrTypeMismatch = errors.New("SNS message type header does not match the body")
	// ErrUnknownTopic: the TopicArn is not in the allow-list.
	ErrUnknownTopic = errors.New("SNS topic not allowed")

	errMethod = errors.New("only POST is accepted")
	errBody   = errors.New("unreadable request body")
	errNoSink = errors.New("intake has no sink configured")
)

// HandlerConfig is what the POST /sns handler needs.
type HandlerConfig struct {
	// Verifier checks signatures and the URLs SNS names; nil means a zero
	// Verifier (production settings).
	Verifier *Verifier
	// Topics is the allow-list of TopicArns; empty refuses every message.
	Topics []string
	// Sink receives alarms and notices; it commits before returning nil.
	Sink Sink
	// Client GETs SubscribeURL to confirm a subscription; nil means a
	// client with a 10-second timeout.
	Client *http.Client
	// Logger is scoped by the caller; nil discards.
	Logger *slog.Logger
	// Registerer, if not nil, gets tocsin_sns_messages_total{type,outcome}.
	Registerer prometheus.Registerer
	// Now is the clock signatures are checked against; nil means time.Now.
	Now func() time.Time
	// RetryAfter is sent with a 503 when the Sink is overloaded; 0 means 20s
	// (SNS's default retry delay).
	RetryAfter time.Duration
}

type handler struct {
	cfg      HandlerConfig
	verifier *Verifier
	topics   map[string]bool
	log      *slog.Logger
	counter  *prometheus.CounterVec
	// sampled keeps the logging of refused messages to one line a second
	// per client: each is still counted, but junk cannot flood the log.
	sampled logsample.Sampler
}

// NewHandler returns the handler for POST /sns. It answers 200 only after
// the Sink committed, 4xx (which SNS does not retry) for input that can
// never be accepted, and 503 (which SNS retries) for everything else.
func NewHandler(cfg HandlerConfig) http.Handler {
	h := &handler{cfg: cfg, verifier: cfg.Verifier, topics: make(map[string]bool), log: cfg.Logger,
		sampled: logsample.Sampler{Now: cfg.Now}}
	if h.verifier == nil {
		h.verifier = &Verifier{}
	}
	if h.log == nil {
		h.log = discard()
	}
	if h.cfg.Sink == nil {
		h.cfg.Sink = noSink{}
	}
	if h.cfg.Now == nil {
		h.cfg.Now = time.Now
	}
	for _, t := range cfg.Topics {
		h.topics[t] = true
	}
	h.counter = messageCounter(cfg.Registerer, h.log)
	return h
}

func (h *handler) ServeHTTP(w http.ResponseWriter, r *http.Request) {
	e, err := h.accept(w, r)
	if err == nil {
		var outcome string
		if outcome, err = h.act(r.Context(), e); err == nil {
			h.count(e.Type, outcome)
			w.WriteHeader(http.StatusOK)
			return
		}
	}
	h.fail(w, r, e, err)
}

// accept reads, parses and authenticates a request, cheapest checks first;
// nothing is fetched for a message from a topic that is not allowed.
// bodies are the request buffers, reused: an SNS body is a few KB, and a
// storm brings thousands a second.
var bodies = sync.Pool{New: func() any { return new(bytes.Buffer) }}

func (h *handler) accept(w http.ResponseWriter, r *http.Request) (Envelope, error) {
	if r.Method != http.MethodPost {
		return Envelope{}, errMethod
	}
	if strings.EqualFold(r.Header.Get("x-amz-sns-rawdelivery"), "true") {
		return Envelope{}, fmt.Errorf("%w (the request has x-amz-sns-rawdelivery: true and so no signature)", ErrRawDelivery)
	}
	buf := bodies.Get().(*bytes.Buffer)
	defer bodies.Put(buf)
	buf.Reset()
	if _, err := buf.ReadFrom(http.MaxBytesReader(w, r.Body, MaxBodyBytes)); err != nil {
		return Envelope{}, fmt.Errorf("%w: %w", errBody, err)
	}
	e, err := ParseEnvelope(buf.Bytes()) // copies what it keeps: buf is reused
	if err != nil {
		return Envelope{}, err
	}
	if got := r.Header.Get("x-amz-sns-message-type"); got != e.Type {
		return e, fmt.Errorf("%w: header x-amz-sns-message-type is %q, the body's Type is %q", ErrTypeMismatch, got, e.Type)
	}
	if !h.topics[e.TopicARN] {
		return e, fmt.Errorf("%w: %s is not in the allow-list", ErrUnknownTopic, e.TopicARN)
	}
	return e, h.verifier.Verify(r.Context(), e, h.cfg.Now())
}

// act does what an authenticated message asks and returns the outcome.
func (h *handler) act(ctx context.Context, e Envelope) (string, error) {
	switch e.Type {
	case TypeNotification:
		return deliver(ctx, h.cfg.Sink, h.log, e, "sns")
	case TypeSubscriptionConfirmation:
		return "confirmed", h.confirm(ctx, e)
	}
	h.log.Warn("sns subscription deactivated", "topic", e.TopicARN, "message_id", e.MessageID)
	n := Notice{MessageID: e.MessageID, TopicARN: e.TopicARN, Subject: e.Subject, Text: e.Message}
	return outcomeNotice, h.cfg.Sink.Notice(ctx, n)
}

// confirm GETs the SubscribeURL of a verified confirmation, after the same
// host check as a certificate URL, and logs the subscription. The URL holds
// the token, so it is never logged.
func (h *handler) confirm(ctx context.Context, e Envelope) error {
	if err := h.verifier.CheckURL(e.SubscribeURL, false); err != nil {
		return err
	}
	ctx, cancel := context.WithTimeout(ctx, 10*time.Second)
	defer cancel()
	req, err := http.NewRequestWithContext(ctx, http.MethodGet, e.SubscribeURL, nil)
	if err != nil {
		return fmt.Errorf("%w: SubscribeURL: %w", ErrUntrustedURL, redactURLError(err))
	}
	resp, err := noRedirects(h.cfg.Client, 10*time.Second).Do(req)
	if err != nil {
		return fmt.Errorf("confirm subscription to %s: %w", e.TopicARN, redactURLError(err))
	}
	defer resp.Body.Close()
	body, err := readBounded(resp.Body, 64<<10)
	if err != nil || resp.StatusCode != http.StatusOK {
		return fmt.Errorf("confirm subscription to %s: status %d", e.TopicARN, resp.StatusCode)
	}
	var x struct {
		SubscriptionArn string `xml:"ConfirmSubscriptionResult>SubscriptionArn"`
	}
	_ = xml.Unmarshal(body, &x) // the GET succeeded; the ARN is only logged
	h.log.Info("sns subscription confirmed", "topic", e.TopicARN, "subscription_arn", x.SubscriptionArn)
	return nil
}

// fail answers a message that was not accepted and logs why.
func (h *handler) fail(w http.ResponseWriter, r *http.Request, e Envelope, err error) {
	status, reason := classify(err)
	h.count(e.Type, reason)
	attrs := []any{"reason", reason, "status", status, "type", e.Type, "topic", e.TopicARN,
		"message_id", e.MessageID, "remote", r.RemoteAddr, "err", err}
	if status < 500 {
		if ok, held := h.sampled.Allow(logsample.Client(r.RemoteAddr)); ok {
			h.log.Warn("sns message refused", append(attrs, "unlogged_before", held)...)
		}
		if status == http.StatusMethodNotAllowed {
			w.Header().Set("Allow", http.MethodPost)
		}
		http.Error(w, err.Error(), status)
		return
	}
	h.log.Error("sns message not accepted, SNS will retry", attrs...)
	if errors.Is(err, ErrOverloaded) {
		after := h.cfg.RetryAfter
		if after <= 0 {
			after = 20 * time.Second
		}
		w.Header().Set("Retry-After", strconv.Itoa(int(after.Round(time.Second)/time.Second)))
	}
	http.Error(w, "temporarily unavailable; retry later", status)
}

// classify maps an error to the status SNS gets and the outcome counted.
func classify(err error) (int, string) {
	if tooLarge := (*http.MaxBytesError)(nil); errors.As(err, &tooLarge) {
		return http.StatusRequestEntityTooLarge, "too_large"
	}
	for _, c := range refusals {
		if errors.Is(err, c.err) {
			return c.status, c.outcome
		}
	}
	return http.StatusServiceUnavailable, "unavailable"
}

// refusals are the errors classify knows, the first that matches winning:
// a 4xx tells SNS not to retry, a 5xx that it may.
var refusals = []struct {
	err     error
	status  int
	outcome string
}{
	{errMethod, http.StatusMethodNotAllowed, "method"},
	{errBody, http.StatusBadRequest, "unreadable"},
	{ErrRawDelivery, http.StatusBadRequest, "raw_delivery"},
	{ErrMalformed, http.StatusBadRequest, "malformed"},
	{ErrTypeMismatch, http.StatusBadRequest, "type_mismatch"},
	{ErrUnknownTopic, http.StatusForbidden, "unknown_topic"},
	{ErrUntrustedURL, http.StatusForbidden, "untrusted_url"},
	{ErrSignatureVersion, http.StatusForbidden, "signature_version"},
	{ErrSignature, http.StatusForbidden, "bad_signature"},
	{ErrCertificate, http.StatusForbidden, "bad_signature"},
	{ErrCertUnavailable, http.StatusServiceUnavailable, "cert_unavailable"},
	{ErrOverloaded, http.StatusServiceUnavailable, "overloaded"},
}

// noSink refuses everything, so that a handler wired without a Sink makes
// SNS retry rather than lose messages.
type noSink struct{}

func (noSink) Alarm(context.Context, incident.Alarm) error { return errNoSink }
func (noSink) Notice(context.Context, Notice) error        { return errNoSink }

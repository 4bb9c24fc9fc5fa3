package intake

import (
	"bytes"
	"context"
	"crypto/rand"
	"crypto/rsa"
	"encoding/json"
	"errors"
	"io"
	"log/slog"
	"maps"
	"net/http"
	"os"
	"path/filepath"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/tocsin-dev/tocsin/incident"
	"github.com/tocsin-dev/tocsin/logtest"
	"github.com/tocsin-dev/tocsin/sim"
)

const (
	testTopic    = "arn:aws:sns:us-east-2:123456789012:tocsin-alarms"
	otherTopic   = "arn:aws:sns:us-east-2:123456789012:other"
	testCertName = "SimpleNotificationService-0123456789abcdef0123456789abcdef.pem"
	testCertURL  = "https://sns.us-east-2.amazonaws.com/" + testCertName
)

// testNow is inside the test certificate's validity.
var testNow = time.Date(2024, 3, 6, 10, 16, 0, 0, time.UTC)

var (
	keyOnce sync.Once
	testKey *rsa.PrivateKey
	keyErr  error
)

// mustKey returns one RSA-2048 key for the whole test binary.
func mustKey(tb testing.TB) *rsa.PrivateKey {
	tb.Helper()
	keyOnce.Do(func() { testKey, keyErr = rsa.GenerateKey(rand.Reader, 2048) })
	if keyErr != nil {
		tb.Fatal(keyErr)
	}
	return testKey
}

// fixture is an SNS feed (a signing key and its certificate in a
// CertDir) from package sim: its string to sign is written apart from
// intake's, so the two check each other.
type fixture struct {
	feed *sim.SNSFeed
	pem  []byte
	dir  string
}

func mustFixture(tb testing.TB) *fixture {
	tb.Helper()
	dir := tb.TempDir()
	feed, err := sim.NewSNSFeed(sim.SNSFeedOptions{CertDir: dir, Key: mustKey(tb), Region: "us-east-2", CertName: testCertName,
		TopicARN: testTopic, NotBefore: testNow.Add(-24 * time.Hour), NotAfter: testNow.Add(365 * 24 * time.Hour)})
	if err != nil {
		tb.Fatal(err)
	}
	return &fixture{feed: feed, pem: feed.Certificate(), dir: dir}
}

// verifier reads certificates from the fixture's CertDir and fails the
// test if it ever fetches.
func (f *fixture) verifier(tb testing.TB) *Verifier {
	return &Verifier{CertDir: f.dir, Client: noFetch(tb)}
}

// sign signs env (which it does not change) with the fixture's key.
func (f *fixture) sign(tb testing.TB, version string, env map[string]string) map[string]string {
	tb.Helper()
	signed, err := f.feed.Sign(version, env)
	if err != nil {
		tb.Fatal(err)
	}
	return signed
}

// notification is an unsigned SNS Notification carrying msg.
func notification(msg string) map[string]string {
	return map[string]string{
		"Type":           TypeNotification,
		"MessageId":      "22b80b92-fdea-4c2c-8f9d-bdfb0c7bf324",
		"TopicArn":       testTopic,
		"Subject":        `ALARM: "checkout-latency-p99" in US East (Ohio)`,
		"Message":        msg,
		"Timestamp":      "2024-03-06T10:15:45.120Z",
		"SigningCertURL": testCertURL,
		"UnsubscribeURL": "https://sns.us-east-2.amazonaws.com/?Action=Unsubscribe&SubscriptionArn=" + testTopic + ":c9135db0",
	}
}

// confirmation is an unsigned SubscriptionConfirmation or
// UnsubscribeConfirmation.
func confirmation(typ, subscribeURL string) map[string]string {
	return map[string]string{
		"Type":           typ,
		"MessageId":      "165545c9-2a5c-472c-8df2-7ff2be2b3b1b",
		"Token":          "2336412f37fb687f5d51e6e241d09c805a5a57b30d712f794cc5f6a988666d92768dd60a747ba6f3beb71854e285d6ad02428b09ceece29417f1f02d609c582afbacc99c583a916b9981dd2728f4ae6fdb82efd087cc3b7849e05798d2d2785c03b0879594eeac82c01f235d0e717736",
		"TopicArn":       testTopic,
		"Message":        "You have chosen to subscribe to the topic " + testTopic + ".\nTo confirm the subscription, visit the SubscribeURL included in this message.",
		"SubscribeURL":   subscribeURL,
		"Timestamp":      "2024-03-06T10:15:45.120Z",
		"SigningCertURL": testCertURL,
	}
}

// with returns a copy of env with key set (or deleted, for value "-").
func with(env map[string]string, key, value string) map[string]string {
	out := maps.Clone(env)
	if value == "-" {
		delete(out, key)
	} else {
		out[key] = value
	}
	return out
}

func mustJSON(tb testing.TB, v any) []byte {
	tb.Helper()
	b, err := json.Marshal(v)
	if err != nil {
		tb.Fatal(err)
	}
	return b
}

func mustRead(tb testing.TB, name string) string {
	tb.Helper()
	b, err := os.ReadFile(filepath.Join("testdata", name))
	if err != nil {
		tb.Fatal(err)
	}
	return string(b)
}

func mustParseEnvelope(tb testing.TB, env map[string]string) Envelope {
	tb.Helper()
	e, err := ParseEnvelope(mustJSON(tb, env))
	if err != nil {
		tb.Fatal(err)
	}
	return e
}

type roundTripFunc func(*http.Request) (*http.Response, error)

func (f roundTripFunc) RoundTrip(r *http.Request) (*http.Response, error) { return f(r) }

// noFetch is a client that fails the test if it is used.
func noFetch(tb testing.TB) *http.Client {
	return &http.Client{Transport: roundTripFunc(func(r *http.Request) (*http.Response, error) {
		tb.Errorf("unexpected fetch of %s", r.URL)
		return nil, errors.New("no network in tests")
	})}
}

// certServer is a fake client that serves body with status for every GET
// and counts the requests.
type certServer struct {
	status int
	body   []byte
	calls  atomic.Int32
}

func (s *certServer) client() *http.Client {
	return &http.Client{Transport: roundTripFunc(func(r *http.Request) (*http.Response, error) {
		s.calls.Add(1)
		if s.status == 0 {
			return nil, errors.New("connection refused")
		}
		return &http.Response{StatusCode: s.status, Body: io.NopCloser(bytes.NewReader(s.body)), Header: http.Header{}, Request: r}, nil
	})}
}

// fakeSink records what it is given, or fails with err.
type fakeSink struct {
	mu      sync.Mutex
	err     error
	alarms  []incident.Alarm
	notices []Notice
}

func (s *fakeSink) Alarm(_ context.Context, a incident.Alarm) error {
	s.mu.Lock()
	defer s.mu.Unlock()
	if s.err != nil {
		return s.err
	}
	s.alarms = append(s.alarms, a)
	return nil
}

func (s *fakeSink) Notice(_ context.Context, n Notice) error {
	s.mu.Lock()
	defer s.mu.Unlock()
	if s.err != nil {
		return s.err
	}
	s.notices = append(s.notices, n)
	return nil
}

func (s *fakeSink) count() int {
	s.mu.Lock()
	defer s.mu.Unlock()
	return len(s.alarms) + len(s.notices)
}

func newLogger() (*slog.Logger, *logtest.Buffer) {
	b := &logtest.Buffer{}
	return slog.New(slog.NewTextHandler(b, &slog.HandlerOptions{Level: slog.LevelDebug})), b
}

// memCache is a CertCache in memory.
type memCache struct {
	mu   sync.Mutex
	pems map[string][]byte
	err  error
}

func (c *memCache) GetCert(url string) ([]byte, bool, error) {
	c.mu.Lock()
	defer c.mu.Unlock()
	if c.err != nil {
		return nil, false, c.err
	}
	p, ok := c.pems[url]
	return p, ok, nil
}

func (c *memCache) PutCert(url string, pem []byte) error {
	c.mu.Lock()
	defer c.mu.Unlock()
	if c.pems == nil {
		c.pems = make(map[string][]byte)
	}
	c.pems[url] = pem
	return nil
}

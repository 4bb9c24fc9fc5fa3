package intake_test

import (
	"context"
	"errors"
	"net/http"
	"os"
	"testing"
	"time"

	"github.com/tocsin-dev/tocsin/intake"
	"github.com/tocsin-dev/tocsin/sim"
)

// The hot path of POST /sns: an RSA-2048 signature check with the signing
// certificate already in memory (it is pre-loaded from CertDir and cached,
// never fetched during a storm), and the parse of the alarm it carries.

const (
	benchTopic    = "arn:aws:sns:us-east-1:123456789012:tocsin-alarms"
	benchCertName = "SimpleNotificationService-0123456789abcdef0123456789abcdef.pem"
)

// refuseFetch fails every request: a benchmark that fetched a certificate
// would be measuring the network, not the verification.
type refuseFetch struct{}

func (refuseFetch) RoundTrip(*http.Request) (*http.Response, error) {
	return nil, errors.New("benchmark: certificate fetch attempted")
}

// benchEnvelope signs a CloudWatch alarm notification with a fresh key and
// returns its body, the body parsed, and a Verifier whose CertDir holds the
// certificate.
func benchEnvelope(b *testing.B, version string) ([]byte, intake.Envelope, *intake.Verifier) {
	b.Helper()
	dir := b.TempDir()
	feed, err := sim.NewSNSFeed(sim.SNSFeedOptions{CertDir: dir, CertName: benchCertName, TopicARN: benchTopic, SignatureVersion: version})
	if err != nil {
		b.Fatal(err)
	}
	msg, err := os.ReadFile("testdata/metric-OK-to-ALARM.message.json")
	if err != nil {
		b.Fatal(err)
	}
	body, err := feed.Notification("3f9a1c52-7d4e-4c1b-9a57-0c6f2e8d1b44", "ALARM", string(msg))
	if err != nil {
		b.Fatal(err)
	}
	e, err := intake.ParseEnvelope(body)
	if err != nil {
		b.Fatal(err)
	}
	return body, e, &intake.Verifier{CertDir: dir, Client: &http.Client{Transport: refuseFetch{}}}
}

func benchmarkVerify(b *testing.B, version string) {
	_, e, v := benchEnvelope(b, version)
	ctx, now := context.Background(), time.Now()
	if err := v.Verify(ctx, e, now); err != nil { // loads and caches the certificate
		b.Fatal(err)
	}
	b.ReportAllocs()
	for b.Loop() {
		if err := v.Verify(ctx, e, now); err != nil {
			b.Fatal(err)
		}
	}
}

// BenchmarkVerify_V1 is SignatureVersion 1 (SHA1withRSA), cached certificate.
func BenchmarkVerify_V1(b *testing.B) { benchmarkVerify(b, "1") }

// BenchmarkVerify_V2 is SignatureVersion 2 (SHA256withRSA), cached certificate.
func BenchmarkVerify_V2(b *testing.B) { benchmarkVerify(b, "2") }

// BenchmarkParseEnvelope is the JSON envelope parse that precedes Verify.
func BenchmarkParseEnvelope(b *testing.B) {
	body, _, _ := benchEnvelope(b, "2")
	b.SetBytes(int64(len(body)))
	b.ReportAllocs()
	for b.Loop() {
		if _, err := intake.ParseEnvelope(body); err != nil {
			b.Fatal(err)
		}
	}
}

// BenchmarkParseAlarm parses CloudWatch's own OK→ALARM metric alarm message.
func BenchmarkParseAlarm(b *testing.B) {
	msg, err := os.ReadFile("testdata/metric-OK-to-ALARM.message.json")
	if err != nil {
		b.Fatal(err)
	}
	s := string(msg)
	b.SetBytes(int64(len(msg)))
	b.ReportAllocs()
	for b.Loop() {
		if _, err := intake.ParseAlarm(s); err != nil {
			b.Fatal(err)
		}
	}
}

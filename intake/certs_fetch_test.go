package intake

import (
	"context"
	"errors"
	"fmt"
	"net/http"
	"net/http/httptest"
	"path"
	"strings"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/google/go-cmp/cmp"

	"github.com/tocsin-dev/tocsin/sim"
)

// junkCerts is an https stand-in for SNS's certificate host: it serves
// real at realPath and junk everywhere else, and counts the GETs of each
// path.
type junkCerts struct {
	srv      *httptest.Server
	realPath string
	real     []byte
	mu       sync.Mutex
	gets     map[string]int
}

func newJunkCerts(t *testing.T, realPath string, real []byte) *junkCerts {
	t.Helper()
	j := &junkCerts{realPath: realPath, real: real, gets: make(map[string]int)}
	j.srv = httptest.NewTLSServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		j.mu.Lock()
		j.gets[r.URL.Path]++
		j.mu.Unlock()
		switch {
		case r.URL.Path == j.realPath:
			w.Write(j.real)
		case strings.HasSuffix(r.URL.Path, "0.pem"):
			w.Write([]byte("<html>not a certificate</html>"))
		case strings.HasSuffix(r.URL.Path, "1.pem"):
			w.Write([]byte("-----BEGIN CERTIFICATE-----\nAAAA\n-----END CERTIFICATE-----\n"))
		default:
			http.NotFound(w, r)
		}
	}))
	t.Cleanup(j.srv.Close)
	return j
}

// url is the https URL of p on the stand-in.
func (j *junkCerts) url(p string) string { return j.srv.URL + p }

// allow lets a Verifier fetch from the stand-in, as tests (only) may.
func (j *junkCerts) allow(v *Verifier) *Verifier {
	host := strings.TrimPrefix(j.srv.URL, "https://")
	v.HostAllowed = func(h string) bool { return h == host }
	v.Client = j.srv.Client()
	return v
}

// counts returns the GETs of each path so far.
func (j *junkCerts) counts() map[string]int {
	j.mu.Lock()
	defer j.mu.Unlock()
	out := make(map[string]int, len(j.gets))
	for k, n := range j.gets {
		out[k] = n
	}
	return out
}

// junkEnvelope is a notification, unsigned, naming the certificate at
// junkPath(i) on an SNS host.
func junkEnvelope(i int) Envelope {
	return Envelope{Type: TypeNotification, MessageID: fmt.Sprintf("junk-%d", i), TopicARN: testTopic, Message: "forged",
		Timestamp: "2024-03-06T10:15:45.120Z", SignatureVersion: "2", Signature: "Zm9yZ2Vk",
		SigningCertURL: "https://sns.us-east-2.amazonaws.com" + junkPath(i)}
}

// junkPath is the i-th well-formed certificate path no certificate is at.
func junkPath(i int) string {
	return fmt.Sprintf("/SimpleNotificationService-%032x.pem", i)
}

// TestHandler_certFloodDoesNotStarve: a thousand unsigned messages on an
// allowed topic, each naming a different well-formed certificate URL that
// answers 404 or junk, arrive around one real alarm signed with a
// certificate tocsin has never seen (AWS rotated it). The real alarm is
// verified and handed to the Sink; only its certificate reaches the
// store; and sent again, the junk costs no fetch.
func TestHandler_certFloodDoesNotStarve(t *testing.T) {
	rotated, err := sim.NewSNSFeed(sim.SNSFeedOptions{CertDir: t.TempDir(), Region: "us-east-2", TopicARN: testTopic,
		NotBefore: testNow.Add(-time.Hour), NotAfter: testNow.Add(24 * time.Hour)})
	if err != nil {
		t.Fatal(err)
	}
	realPath := "/" + path.Base(rotated.CertURL())
	certs := newJunkCerts(t, realPath, rotated.Certificate())
	cache := &memCache{}
	r := newRig(t, func(c *HandlerConfig) { c.Verifier = certs.allow(&Verifier{Cache: cache}) })

	const junk = 1000
	junkEnv := func(i int) map[string]string {
		env := with(notification("forged"), "SigningCertURL", certs.url(junkPath(i)))
		env["MessageId"] = fmt.Sprintf("junk-%d", i)
		env["SignatureVersion"], env["Signature"] = "2", "Zm9yZ2Vk"
		return env
	}
	real, err := rotated.Sign("2", notification(mustRead(t, "metric-OK-to-ALARM.message.json")))
	if err != nil {
		t.Fatal(err)
	}
	real["SigningCertURL"] = certs.url(realPath)

	// flood posts the junk from 32 senders at once and counts the answers
	// by status; the sender that takes junk message number at first posts
	// the real alarm.
	var realCode int
	flood := func(at int) map[int]int {
		var mu sync.Mutex
		statuses := make(map[int]int)
		var once sync.Once
		work := make(chan int)
		var wg sync.WaitGroup
		for range 32 {
			wg.Go(func() {
				for i := range work {
					if i == at {
						once.Do(func() { realCode = r.post(t, real).Code })
					}
					w := r.post(t, junkEnv(i))
					mu.Lock()
					statuses[w.Code]++
					mu.Unlock()
				}
			})
		}
		for i := range junk {
			work <- i
		}
		close(work)
		wg.Wait()
		return statuses
	}

	// Every junk message is refused for good (403, which SNS does not
	// retry), none for want of a fetch (503).
	want := map[int]int{http.StatusForbidden: junk}
	if diff := cmp.Diff(want, flood(junk/2)); diff != "" {
		t.Errorf("junk answered (-want +got):\n%s", diff)
	}
	if realCode != http.StatusOK {
		t.Fatalf("the real alarm got status %d amid %d junk messages; want 200", realCode, junk)
	}
	if len(r.sink.alarms) != 1 || r.sink.alarms[0].MessageID != real["MessageId"] {
		t.Fatalf("sink got %+v; want the real alarm only", r.sink.alarms)
	}
	if diff := cmp.Diff(map[string][]byte{certs.url(realPath): rotated.Certificate()}, cache.pems); diff != "" {
		t.Errorf("CertCache (-want +got):\n%s", diff)
	}
	first := certs.counts()
	if len(first) != junk+1 {
		t.Errorf("%d URLs fetched; want each of the %d once", len(first), junk+1)
	}
	for p, n := range first {
		if n != 1 {
			t.Errorf("%s fetched %d times; want once", p, n)
		}
	}
	if n := r.counted(t, TypeNotification, "alarm"); n != 1 {
		t.Errorf("counted %v alarms; want 1", n)
	}

	// The same junk again: every URL is remembered as failed, so it costs no fetch.
	if diff := cmp.Diff(want, flood(-1)); diff != "" {
		t.Errorf("junk answered on the second pass (-want +got):\n%s", diff)
	}
	if diff := cmp.Diff(first, certs.counts()); diff != "" {
		t.Errorf("fetches on the second pass (-after the first +after the second):\n%s", diff)
	}
}

func TestVerifier_cert_remembersFailures(t *testing.T) {
	f := mustFixture(t)
	ctx := context.Background()
	e := mustParseEnvelope(t, f.sign(t, "2", notification("hello")))

	t.Run("UntilTheyExpire", func(t *testing.T) {
		server := &certServer{status: 404}
		v := &Verifier{Client: server.client()}
		for _, at := range []time.Duration{0, time.Minute, failureTTL - time.Second} {
			if err := v.Verify(ctx, e, testNow.Add(at)); !errors.Is(err, ErrCertificate) {
				t.Errorf("at +%s: err = %v; want ErrCertificate", at, err)
			}
		}
		if n := server.calls.Load(); n != 1 {
			t.Errorf("%d fetches within %s; want 1", n, failureTTL)
		}
		server.status, server.body = 200, f.pem
		if err := v.Verify(ctx, e, testNow.Add(failureTTL)); err != nil {
			t.Errorf("once the failure expired: %v", err)
		}
	})
	t.Run("ConcurrentRequestsShareOneFetch", func(t *testing.T) {
		server := &certServer{status: 404}
		v := &Verifier{Client: server.client()}
		var wg sync.WaitGroup
		for range 20 {
			wg.Go(func() {
				if err := v.Verify(ctx, e, testNow); !errors.Is(err, ErrCertificate) {
					t.Errorf("err = %v; want ErrCertificate", err)
				}
			})
		}
		wg.Wait()
		if n := server.calls.Load(); n != 1 {
			t.Errorf("%d fetches; want 1", n)
		}
	})
	t.Run("Bounded", func(t *testing.T) {
		v := &Verifier{Client: (&certServer{status: 404}).client()}
		for i := range maxFailures + 10 {
			if err := v.Verify(ctx, junkEnvelope(i), testNow); !errors.Is(err, ErrCertificate) {
				t.Fatalf("URL %d: err = %v; want ErrCertificate", i, err)
			}
		}
		if n := len(v.failed); n > maxFailures {
			t.Errorf("%d failures remembered; want at most %d", n, maxFailures)
		}
		if n := len(v.certs); n != 0 {
			t.Errorf("%d certificate entries kept for failed URLs; want none", n)
		}
	})
}

// TestVerifier_cert_keptUntilProven: a forger who names AWS's new
// certificate URL first neither gets it into the store nor gets the URL
// remembered as failed; the real alarm signed with it is then accepted
// without a second fetch, and only then is the certificate stored.
func TestVerifier_cert_keptUntilProven(t *testing.T) {
	f := mustFixture(t)
	ctx := context.Background()
	server := &certServer{status: 200, body: f.pem}
	cache := &memCache{}
	v := &Verifier{Client: server.client(), Cache: cache}
	forged := with(f.sign(t, "2", notification("real")), "Message", "forged")
	if err := v.Verify(ctx, mustParseEnvelope(t, forged), testNow); !errors.Is(err, ErrSignature) {
		t.Fatalf("forged: err = %v; want ErrSignature", err)
	}
	if len(cache.pems) != 0 {
		t.Errorf("a certificate that verified nothing was stored: %v", cache.pems)
	}
	if err := v.Verify(ctx, mustParseEnvelope(t, f.sign(t, "2", notification("real"))), testNow); err != nil {
		t.Fatalf("the real message after the forged one: %v", err)
	}
	if diff := cmp.Diff(map[string][]byte{testCertURL: f.pem}, cache.pems); diff != "" {
		t.Errorf("CertCache (-want +got):\n%s", diff)
	}
	if n := server.calls.Load(); n != 1 {
		t.Errorf("%d fetches; want 1", n)
	}
}

// gatedTransport answers each GET with 404 once the gate opens, and
// records the most GETs in flight at once.
type gatedTransport struct {
	gate     chan struct{}
	inFlight atomic.Int32
	most     atomic.Int32
	calls    atomic.Int32
}

func (g *gatedTransport) RoundTrip(r *http.Request) (*http.Response, error) {
	g.calls.Add(1)
	n := g.inFlight.Add(1)
	defer g.inFlight.Add(-1)
	for {
		most := g.most.Load()
		if n <= most || g.most.CompareAndSwap(most, n) {
			break
		}
	}
	select {
	case <-g.gate:
	case <-r.Context().Done():
		return nil, r.Context().Err()
	}
	return &http.Response{StatusCode: 404, Body: http.NoBody, Header: http.Header{}, Request: r}, nil
}

func TestVerifier_cert_fetchSlots(t *testing.T) {
	ctx := context.Background()
	envelope := junkEnvelope

	t.Run("AtMostMaxFetchesAtOnce", func(t *testing.T) {
		g := &gatedTransport{gate: make(chan struct{})}
		v := &Verifier{Client: &http.Client{Transport: g}}
		var wg sync.WaitGroup
		for i := range 3 * maxFetches {
			wg.Go(func() {
				if err := v.Verify(ctx, envelope(i), testNow); !errors.Is(err, ErrCertificate) {
					t.Errorf("URL %d: err = %v; want ErrCertificate (404)", i, err)
				}
			})
		}
		for g.calls.Load() < maxFetches {
			time.Sleep(time.Millisecond)
		}
		time.Sleep(20 * time.Millisecond) // a fifth fetch, if allowed, would start now
		close(g.gate)
		wg.Wait()
		if most := g.most.Load(); most != maxFetches {
			t.Errorf("%d fetches at once; want %d", most, maxFetches)
		}
		if n := g.calls.Load(); n != 3*maxFetches {
			t.Errorf("%d fetches; want every URL fetched once (%d)", n, 3*maxFetches)
		}
	})
	t.Run("WaitEndsWithTheRequest", func(t *testing.T) {
		g := &gatedTransport{gate: make(chan struct{})}
		v := &Verifier{Client: &http.Client{Transport: g}}
		var wg sync.WaitGroup
		for i := range maxFetches {
			wg.Go(func() { _ = v.Verify(ctx, envelope(i), testNow) })
		}
		for g.calls.Load() < maxFetches {
			time.Sleep(time.Millisecond)
		}
		short, cancel := context.WithTimeout(ctx, 20*time.Millisecond) // SNS hangs up
		defer cancel()
		err := v.Verify(short, envelope(99), testNow)
		if !errors.Is(err, ErrCertUnavailable) || !strings.Contains(err.Error(), "no fetch slot free") {
			t.Errorf("err = %v; want ErrCertUnavailable for want of a slot (SNS retries)", err)
		}
		close(g.gate)
		wg.Wait()
	})
}

package intake

import (
	"bytes"
	"context"
	"errors"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/google/go-cmp/cmp"
)

func TestVerifier_cert(t *testing.T) {
	f := mustFixture(t)
	ctx := context.Background()
	e := mustParseEnvelope(t, f.sign(t, "1", notification("hello")))

	t.Run("FetchedOnceThenCached", func(t *testing.T) {
		server := &certServer{status: 200, body: f.pem}
		cache := &memCache{}
		v := &Verifier{Client: server.client(), Cache: cache}
		for range 3 {
			if err := v.Verify(ctx, e, testNow); err != nil {
				t.Fatal(err)
			}
		}
		if n := server.calls.Load(); n != 1 {
			t.Errorf("%d fetches; want 1", n)
		}
		if diff := cmp.Diff(map[string][]byte{testCertURL: f.pem}, cache.pems); diff != "" {
			t.Errorf("CertCache (-want +got):\n%s", diff)
		}
		// A restart reads the cache instead of fetching.
		v2 := &Verifier{Client: noFetch(t), Cache: cache}
		if err := v2.Verify(ctx, e, testNow); err != nil {
			t.Errorf("from the cache: %v", err)
		}
	})
	t.Run("ConcurrentFirstUseFetchesOnce", func(t *testing.T) {
		server := &certServer{status: 200, body: f.pem}
		v := &Verifier{Client: server.client()}
		var wg sync.WaitGroup
		for range 20 {
			wg.Go(func() {
				if err := v.Verify(ctx, e, testNow); err != nil {
					t.Error(err)
				}
			})
		}
		wg.Wait()
		if n := server.calls.Load(); n != 1 {
			t.Errorf("%d fetches; want 1", n)
		}
	})
	t.Run("CertDirBeforeFetch", func(t *testing.T) {
		if err := f.verifier(t).Verify(ctx, e, testNow); err != nil {
			t.Error(err)
		}
	})
	t.Run("CorruptCacheEntryIsReadAgain", func(t *testing.T) {
		cache := &memCache{pems: map[string][]byte{testCertURL: []byte("garbage")}}
		v := &Verifier{Client: noFetch(t), Cache: cache, CertDir: f.dir}
		if err := v.Verify(ctx, e, testNow); err != nil {
			t.Error(err)
		}
	})
}

func TestVerifier_cert_failures(t *testing.T) {
	f := mustFixture(t)
	ctx := context.Background()
	e := mustParseEnvelope(t, f.sign(t, "1", notification("hello")))
	expired, err := f.feed.CertificateValid(testNow.Add(-48*time.Hour), testNow.Add(-time.Hour))
	if err != nil {
		t.Fatal(err)
	}
	future, err := f.feed.CertificateValid(testNow.Add(time.Hour), testNow.Add(48*time.Hour))
	if err != nil {
		t.Fatal(err)
	}
	// fetches is how many GETs two tries a second apart cost: 1 for a
	// failure remembered (or a certificate kept), 2 for one that may pass
	// (or when no fetch was needed to fail).
	for _, tc := range []struct {
		name    string
		server  *certServer
		cache   *memCache
		want    error
		fetches int32
	}{
		{"NotFound", &certServer{status: 404}, nil, ErrCertificate, 1},
		{"Forbidden", &certServer{status: 403}, nil, ErrCertificate, 1},
		{"ServerError", &certServer{status: 503}, nil, ErrCertUnavailable, 2},
		{"Throttled", &certServer{status: 429}, nil, ErrCertUnavailable, 2},
		{"Unreachable", &certServer{}, nil, ErrCertUnavailable, 2},
		{"Redirect", &certServer{status: 302}, nil, ErrCertificate, 1},
		{"NotPEM", &certServer{status: 200, body: []byte("<html>")}, nil, ErrCertificate, 1},
		{"BadPEM", &certServer{status: 200, body: []byte("-----BEGIN CERTIFICATE-----\nAAAA\n-----END CERTIFICATE-----\n")}, nil, ErrCertificate, 1},
		{"TooLarge", &certServer{status: 200, body: bytes.Repeat([]byte("A"), maxCertBytes+1)}, nil, ErrCertificate, 1},
		{"Expired", &certServer{status: 200, body: expired}, nil, ErrCertificate, 1},
		{"NotYetValid", &certServer{status: 200, body: future}, nil, ErrCertificate, 1},
		{"CacheFails", &certServer{status: 200, body: f.pem}, &memCache{err: errors.New("disk full")}, ErrCertUnavailable, 0},
	} {
		t.Run(tc.name, func(t *testing.T) {
			v := &Verifier{Client: tc.server.client()}
			if tc.cache != nil {
				v.Cache = tc.cache
			}
			for i := range 2 {
				if err := v.Verify(ctx, e, testNow.Add(time.Duration(i)*time.Second)); !errors.Is(err, tc.want) {
					t.Errorf("try %d: err = %v; want %v", i+1, err, tc.want)
				}
			}
			if n := tc.server.calls.Load(); n != tc.fetches {
				t.Errorf("%d fetches for two tries; want %d", n, tc.fetches)
			}
		})
	}
	t.Run("FailureIsNotRemembered", func(t *testing.T) {
		server := &certServer{status: 503}
		v := &Verifier{Client: server.client()}
		_ = v.Verify(ctx, e, testNow)
		server.status, server.body = 200, f.pem
		if err := v.Verify(ctx, e, testNow); err != nil {
			t.Errorf("after AWS recovered: %v", err)
		}
	})
}

type failingPut struct{ memCache }

func (*failingPut) PutCert(string, []byte) error { return errors.New("read-only store") }

func TestVerifier_cert_cacheWriteFails(t *testing.T) {
	f := mustFixture(t)
	log, logs := newLogger()
	v := &Verifier{Client: (&certServer{status: 200, body: f.pem}).client(), Cache: &failingPut{}, Logger: log}
	e := mustParseEnvelope(t, f.sign(t, "2", notification("hello")))
	if err := v.Verify(context.Background(), e, testNow); err != nil {
		t.Fatalf("a failing cache write must not refuse the message: %v", err)
	}
	if !strings.Contains(logs.String(), `msg="sns certificate not cached"`) {
		t.Errorf("log %q lacks the cache failure", logs)
	}
}

func TestVerifier_CheckURL_certPath(t *testing.T) {
	hex32 := "0123456789abcdef0123456789abcdef"
	for _, tc := range []struct {
		path string
		ok   bool
	}{
		{"/SimpleNotificationService-" + hex32 + ".pem", true},
		{"/SimpleNotificationService-" + strings.ToUpper(hex32) + ".pem", true},
		{"/SimpleNotificationService-a.pem", true},
		{"/SimpleNotificationService-" + strings.Repeat("f", 64) + ".pem", true},
		{"/SimpleNotificationService-" + strings.Repeat("f", 65) + ".pem", false},
		{"/SimpleNotificationService-.pem", false},
		{"/SimpleNotificationService-local.pem", false},
		{"/SimpleNotificationService-" + hex32 + "g.pem", false},
		{"/x.pem", false},
		{"/" + hex32 + ".pem", false},
		{"/simplenotificationservice-" + hex32 + ".pem", false},
		{"/SimpleNotificationService-" + hex32 + ".PEM", false},
		{"/SimpleNotificationService-" + hex32 + ".pem/", false},
		{"/SimpleNotificationService-" + hex32 + ".crt", false},
		{"/certs/SimpleNotificationService-" + hex32 + ".pem", false},
		{"//SimpleNotificationService-" + hex32 + ".pem", false},
		{"/../SimpleNotificationService-" + hex32 + ".pem", false},
		{"/SimpleNotificationService-%61" + hex32[1:] + ".pem", false},
		{"/SimpleNotificationService-" + hex32 + "%2Epem", false},
		{"/SimpleNotificationService-" + hex32 + ".pem;x", false},
		{"/SimpleNotificationService-" + hex32 + ".pem?", false},
		{"/SimpleNotificationService-" + hex32 + ".pem#x", false},
		{"/SimpleNotificationService-" + hex32 + ".pem?x=.pem", false},
		{"/SimpleNotificationService-" + hex32 + "\n.pem", false},
		{"", false},
	} {
		t.Run(tc.path, func(t *testing.T) {
			// A permissive host policy, as in tests and the demo: the path
			// rule holds whatever HostAllowed says.
			for _, host := range []string{"sns.us-east-2.amazonaws.com", "127.0.0.1:8443"} {
				server := &certServer{status: 404}
				v := &Verifier{Client: server.client(), HostAllowed: func(string) bool { return true }}
				u := "https://" + host + tc.path
				err := v.CheckURL(u, true)
				if tc.ok != (err == nil) || (err != nil && !errors.Is(err, ErrUntrustedURL)) {
					t.Errorf("CheckURL(%q) = %v; want ok %v", u, err, tc.ok)
				}
				if tc.ok {
					continue
				}
				e := Envelope{Type: TypeNotification, MessageID: "m", TopicARN: testTopic, Message: "x", Timestamp: "t",
					SignatureVersion: "2", Signature: "Zm9yZ2Vk", SigningCertURL: u}
				if err := v.Verify(context.Background(), e, testNow); !errors.Is(err, ErrUntrustedURL) {
					t.Errorf("Verify: err = %v; want ErrUntrustedURL", err)
				}
				if n := server.calls.Load(); n != 0 {
					t.Errorf("%d fetches of %q; want none", n, u)
				}
			}
		})
	}
	t.Run("SubscribeURLUnaffected", func(t *testing.T) {
		if err := (&Verifier{}).CheckURL("https://sns.us-east-2.amazonaws.com/?Action=ConfirmSubscription&Token=x", false); err != nil {
			t.Errorf("a SubscribeURL is not a certificate: %v", err)
		}
	})
}

package intake

import (
	"bytes"
	"context"
	"errors"
	"fmt"
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
	for _, tc := range []struct {
		name   string
		server *certServer
		cache  *memCache
		want   error
	}{
		{"NotFound", &certServer{status: 404}, nil, ErrCertificate},
		{"ServerError", &certServer{status: 503}, nil, ErrCertUnavailable},
		{"Throttled", &certServer{status: 429}, nil, ErrCertUnavailable},
		{"Unreachable", &certServer{}, nil, ErrCertUnavailable},
		{"Redirect", &certServer{status: 302}, nil, ErrCertificate},
		{"NotPEM", &certServer{status: 200, body: []byte("<html>")}, nil, ErrCertificate},
		{"TooLarge", &certServer{status: 200, body: bytes.Repeat([]byte("A"), maxCertBytes+1)}, nil, ErrCertificate},
		{"Expired", &certServer{status: 200, body: expired}, nil, ErrCertificate},
		{"NotYetValid", &certServer{status: 200, body: future}, nil, ErrCertificate},
		{"CacheFails", &certServer{status: 200, body: f.pem}, &memCache{err: errors.New("disk full")}, ErrCertUnavailable},
	} {
		t.Run(tc.name, func(t *testing.T) {
			v := &Verifier{Client: tc.server.client()}
			if tc.cache != nil {
				v.Cache = tc.cache
			}
			if err := v.Verify(ctx, e, testNow); !errors.Is(err, tc.want) {
				t.Errorf("err = %v; want %v", err, tc.want)
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

func TestVerifier_cert_fetchRate(t *testing.T) {
	f := mustFixture(t)
	server := &certServer{status: 404}
	v := &Verifier{Client: server.client()}
	verify := func(i int, now time.Time) error {
		u := fmt.Sprintf("https://sns.us-east-2.amazonaws.com/SimpleNotificationService-%d.pem", i)
		e := mustParseEnvelope(t, f.sign(t, "2", with(notification("forged"), "SigningCertURL", u)))
		return v.Verify(context.Background(), e, now)
	}
	for i := range fetchesPerMinute {
		if err := verify(i, testNow); !errors.Is(err, ErrCertificate) {
			t.Fatalf("fetch %d: err = %v; want ErrCertificate (404)", i, err)
		}
	}
	if err := verify(99, testNow.Add(59*time.Second)); !errors.Is(err, ErrCertUnavailable) {
		t.Errorf("past the limit: err = %v; want ErrCertUnavailable", err)
	}
	if err := verify(100, testNow.Add(61*time.Second)); !errors.Is(err, ErrCertificate) {
		t.Errorf("a minute later: err = %v; want a fetch again", err)
	}
	if n := server.calls.Load(); n != fetchesPerMinute+1 {
		t.Errorf("%d fetches; want %d", n, fetchesPerMinute+1)
	}
}

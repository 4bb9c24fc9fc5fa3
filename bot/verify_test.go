package bot

import (
	"encoding/json"
	"errors"
	"net/http"
	"os"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/tocsin-dev/tocsin/logtest"
)

// signingVector is Slack's documented example (testdata/signing-vector.json).
type signingVector struct {
	Secret   string            `json:"signing_secret"`
	Headers  map[string]string `json:"headers"`
	Expected string            `json:"expected_signature"`
}

func mustLoadVector(tb testing.TB) (signingVector, http.Header, []byte) {
	tb.Helper()
	raw, err := os.ReadFile("testdata/signing-vector.json")
	if err != nil {
		tb.Fatal(err)
	}
	var v signingVector
	if err := json.Unmarshal(raw, &v); err != nil {
		tb.Fatal(err)
	}
	body, err := os.ReadFile("testdata/slash-command-body.txt")
	if err != nil {
		tb.Fatal(err)
	}
	h := http.Header{}
	for k, val := range v.Headers {
		h.Set(k, val)
	}
	return v, h, body
}

func TestVerify(t *testing.T) {
	v, h, body := mustLoadVector(t)
	unix, _ := strconv.ParseInt(h.Get(headerTimestamp), 10, 64)
	sent := time.Unix(unix, 0)

	t.Run("SlackVector", func(t *testing.T) {
		for _, now := range []time.Time{sent, sent.Add(Window), sent.Add(-Window)} {
			if err := Verify(v.Secret, h, body, now); err != nil {
				t.Errorf("Verify at %s: %v", now, err)
			}
		}
		if _, sig := Sign(v.Secret, sent, body); sig != v.Expected {
			t.Errorf("Sign = %s, want %s", sig, v.Expected)
		}
	})
	t.Run("ErrStale", func(t *testing.T) {
		for _, now := range []time.Time{sent.Add(Window + time.Second), sent.Add(-Window - time.Second), time.Now()} {
			if err := Verify(v.Secret, h, body, now); !errors.Is(err, ErrStale) {
				t.Errorf("Verify at %s = %v, want ErrStale", now, err)
			}
		}
	})
	t.Run("ErrBadSignature", func(t *testing.T) {
		altered := append([]byte(nil), body...)
		altered[len(altered)-1] ^= 1
		if err := Verify(v.Secret, h, altered, sent); !errors.Is(err, ErrBadSignature) {
			t.Errorf("altered body: %v, want ErrBadSignature", err)
		}
		if err := Verify("another-secret", h, body, sent); !errors.Is(err, ErrBadSignature) {
			t.Errorf("wrong secret: %v, want ErrBadSignature", err)
		}
		for _, sig := range []string{"v1=" + v.Expected[3:], "v0=zz", "v0=" + v.Expected[3:10]} {
			bad := h.Clone()
			bad.Set(headerSignature, sig)
			if err := Verify(v.Secret, bad, body, sent); !errors.Is(err, ErrBadSignature) {
				t.Errorf("signature %q: %v, want ErrBadSignature", sig, err)
			}
		}
	})
	t.Run("ErrMissingHeaders", func(t *testing.T) {
		for _, name := range []string{headerTimestamp, headerSignature} {
			bad := h.Clone()
			bad.Del(name)
			if err := Verify(v.Secret, bad, body, sent); !errors.Is(err, ErrMissingHeaders) {
				t.Errorf("without %s: %v, want ErrMissingHeaders", name, err)
			}
		}
	})
	t.Run("SecretNotInErrors", func(t *testing.T) {
		altered := append([]byte("x"), body...)
		if err := Verify(v.Secret, h, altered, sent); err == nil || containsAny(err.Error(), v.Secret, v.Expected[3:]) {
			t.Errorf("error %v leaks the secret or signature", err)
		}
	})
}

func TestReplayGuard(t *testing.T) {
	_, h, _ := mustLoadVector(t)
	unix, _ := strconv.ParseInt(h.Get(headerTimestamp), 10, 64)
	sent := time.Unix(unix, 0)

	t.Run("ErrReplay", func(t *testing.T) {
		g := newReplayGuard(0)
		if err := g.Check(h, sent); err != nil {
			t.Fatalf("first: %v", err)
		}
		if err := g.Check(h, sent.Add(time.Minute)); !errors.Is(err, ErrReplay) {
			t.Fatalf("replay: %v, want ErrReplay", err)
		}
	})
	t.Run("ErrReplay_HexCase", func(t *testing.T) {
		// Verify accepts the hex in either case; the guard must too, or the
		// same request is accepted twice within the window.
		g := newReplayGuard(0)
		if err := g.Check(h, sent); err != nil {
			t.Fatalf("first: %v", err)
		}
		upper := h.Clone()
		upper.Set(headerSignature, "v0="+strings.ToUpper(strings.TrimPrefix(h.Get(headerSignature), "v0=")))
		if upper.Get(headerSignature) == h.Get(headerSignature) {
			t.Fatal("the vector's signature has no letters to change")
		}
		if err := g.Check(upper, sent.Add(time.Minute)); !errors.Is(err, ErrReplay) {
			t.Fatalf("replay in upper case: %v, want ErrReplay", err)
		}
	})
	t.Run("Forgets", func(t *testing.T) {
		g := newReplayGuard(0)
		_ = g.Check(h, sent)
		// Outside the window Verify refuses the request as stale; the guard
		// need not remember it.
		if err := g.Check(h, sent.Add(Window+time.Second)); err != nil {
			t.Fatalf("after the window: %v", err)
		}
	})
	t.Run("Bounded", func(t *testing.T) {
		g := newReplayGuard(3)
		for i := range 10 {
			hh := h.Clone()
			hh.Set(headerSignature, "v0="+strconv.Itoa(i))
			if err := g.Check(hh, sent); err != nil {
				t.Fatal(err)
			}
		}
		if len(g.seen) != 3 || len(g.order) != 3 {
			t.Fatalf("remembers %d/%d signatures, want 3", len(g.seen), len(g.order))
		}
	})
}

func containsAny(s string, subs ...string) bool {
	for _, sub := range subs {
		if sub != "" && strings.Contains(s, sub) {
			return true
		}
	}
	return false
}

func TestConfig_LogValue(t *testing.T) {
	var logs logtest.Buffer
	log := newTestLogger(&logs)
	log.Info("config", "handlers", HandlerConfig{SigningSecret: testSecret}, "executor", ExecutorConfig{Token: testToken})
	if out := logs.String(); strings.Contains(out, testSecret) || strings.Contains(out, testToken) || !strings.Contains(out, "token_set=true") {
		t.Errorf("log %q shows a secret", out)
	}
}

package bot

import (
	"crypto/hmac"
	"crypto/sha256"
	"encoding/hex"
	"errors"
	"fmt"
	"net/http"
	"strconv"
	"strings"
	"sync"
	"time"
)

// Signature verification errors. Each request Slack sends is signed with the
// app's signing secret; anything that does not verify is refused with 401.
var (
	// ErrMissingHeaders: X-Slack-Request-Timestamp or X-Slack-Signature is absent.
	ErrMissingHeaders = errors.New("slack signature headers missing")
	// ErrStale: the request's timestamp is more than Window from now, either way.
	ErrStale = errors.New("slack request timestamp outside the allowed window")
	// ErrBadSignature: the signature does not match the body and timestamp.
	ErrBadSignature = errors.New("slack signature does not match")
	// ErrReplay: the same signature was already accepted within the window.
	ErrReplay = errors.New("slack request replayed")
)

// Window is how far a request's timestamp may be from now, in either direction.
const Window = 5 * time.Minute

// Header names Slack signs requests with.
const (
	headerTimestamp = "X-Slack-Request-Timestamp"
	headerSignature = "X-Slack-Signature"
)

// Verify checks a Slack v0 request signature: "v0=" + hex(HMAC-SHA256(secret,
// "v0:" + timestamp + ":" + body)) over the raw body bytes, compared in
// constant time, with the timestamp within Window of now. now is a parameter
// so that Slack's documented 2018 example can be checked.
func Verify(secret string, header http.Header, body []byte, now time.Time) error {
	ts, sig := header.Get(headerTimestamp), header.Get(headerSignature)
	if ts == "" || sig == "" {
		return ErrMissingHeaders
	}
	unix, err := strconv.ParseInt(ts, 10, 64)
	if err != nil {
		return fmt.Errorf("%w: timestamp is not a number", ErrBadSignature)
	}
	if d := now.Sub(time.Unix(unix, 0)); d > Window || d < -Window {
		return fmt.Errorf("%w: request is %s away from now", ErrStale, d.Round(time.Second))
	}
	hexSig, ok := strings.CutPrefix(sig, "v0=")
	if !ok {
		return fmt.Errorf("%w: unknown signature version", ErrBadSignature)
	}
	got, err := hex.DecodeString(hexSig)
	if err != nil {
		return fmt.Errorf("%w: signature is not hex", ErrBadSignature)
	}
	if !hmac.Equal(got, sign(secret, ts, body)) {
		return ErrBadSignature
	}
	return nil
}

// sign computes the raw v0 HMAC of a request.
func sign(secret, ts string, body []byte) []byte {
	mac := hmac.New(sha256.New, []byte(secret))
	mac.Write([]byte("v0:" + ts + ":"))
	mac.Write(body)
	return mac.Sum(nil)
}

// Sign returns the X-Slack-Signature value for a body sent at ts; it is what
// Slack computes, for tests and for tocsin's demo driving its own handlers.
func Sign(secret string, ts time.Time, body []byte) (timestamp, signature string) {
	timestamp = strconv.FormatInt(ts.Unix(), 10)
	return timestamp, "v0=" + hex.EncodeToString(sign(secret, timestamp, body))
}

// replayGuard refuses a signature it has already accepted within Window. It
// remembers at most a fixed number of signatures, forgetting the oldest
// first, so memory stays bounded under any load.
type replayGuard struct {
	mu    sync.Mutex
	max   int
	seen  map[string]time.Time // signature -> request timestamp
	order []string             // signatures in the order they were accepted
}

// newReplayGuard returns a guard that remembers up to max signatures
// (65,536 when max <= 0).
func newReplayGuard(max int) *replayGuard {
	if max <= 0 {
		max = 1 << 16
	}
	return &replayGuard{max: max, seen: make(map[string]time.Time)}
}

// Check records a verified request's signature and returns ErrReplay if it
// was seen before within Window of now. The signature is keyed by its
// decoded bytes, as Verify compares it: the same request with its hex in
// another case is the same request.
func (g *replayGuard) Check(header http.Header, now time.Time) error {
	sig := signatureKey(header.Get(headerSignature))
	unix, _ := strconv.ParseInt(header.Get(headerTimestamp), 10, 64)
	g.mu.Lock()
	defer g.mu.Unlock()
	g.prune(now)
	if _, ok := g.seen[sig]; ok {
		return ErrReplay
	}
	if len(g.order) >= g.max {
		delete(g.seen, g.order[0])
		g.order = g.order[1:]
	}
	g.seen[sig] = time.Unix(unix, 0)
	g.order = append(g.order, sig)
	return nil
}

// signatureKey is the decoded HMAC of an X-Slack-Signature value (the raw
// value if it does not decode: Verify refuses those anyway).
func signatureKey(header string) string {
	if b, err := hex.DecodeString(strings.TrimPrefix(header, "v0=")); err == nil {
		return string(b)
	}
	return header
}

// prune forgets signatures whose timestamps have left the window: Verify
// refuses those requests as stale anyway.
func (g *replayGuard) prune(now time.Time) {
	n := 0
	for n < len(g.order) && now.Sub(g.seen[g.order[n]]) > Window {
		delete(g.seen, g.order[n])
		n++
	}
	// Reslicing keeps this O(1); append copies only the live tail when it
	// next grows the array, so memory stays bounded.
	g.order = g.order[n:]
}

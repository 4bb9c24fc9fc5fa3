package intake

import (
	"context"
	"crypto/x509"
	"errors"
	"fmt"
	"io"
	"net/http"
	"sync"
	"time"
)

// How a certificate tocsin has not seen is fetched without letting junk
// spend what a real alarm needs.
//
// A new SigningCertURL cannot be told from junk before it is fetched: AWS
// rotates its certificates (and a new store has none), so a real alarm may
// name a URL never seen, and anyone can name a new, well-formed URL on an
// SNS host. A limit on fetches per minute is therefore spent by whoever
// sends one junk URL more than it allows, and the real alarm then gets 503
// for as long as the junk keeps coming. So no fetch is refused for being
// one too many. Instead what one fetch can cost is bounded, and what a
// junk URL cost is never paid twice:
//
//   - Only https://<SNS host>/SimpleNotificationService-<hex>.pem is ever
//     fetched (CheckURL, before anything else).
//   - One load per URL at a time: requests that come while a URL is
//     loading wait for that load and share its result, success or failure
//     (certEntry).
//   - A URL that failed for good (4xx, a redirect, not a PEM certificate,
//     not RSA, too large) is remembered for failureTTL, so the same junk is
//     refused without a fetch (failures, at most maxFailures URLs). A
//     failure that may pass (network, timeout, 5xx, 429) is not
//     remembered: it says nothing about the URL, and SNS retries a message
//     for only about a minute by default, so remembering it would turn a
//     blip at AWS into lost alarms.
//   - At most maxFetches fetches run at once. The others wait for a slot,
//     in arrival order, within FetchTimeout for the wait and the fetch
//     together (then 503; SNS retries). A slot is held for one fetch only,
//     and SNS answers a junk path at once (404), so junk delays a new
//     certificate by moments; to keep it out, the sender must outpace the
//     fetches themselves: a flood of requests, not eleven a minute.
//   - A fetched certificate is written to the CertCache (the store) only
//     once it has verified a message, so only certificates AWS signed
//     with reach the store and survive a restart. One that does not verify
//     the message naming it stays in memory and is not remembered as a
//     failure: its URL may be AWS's new certificate, named by a forger who
//     saw it first, and the real alarm signed with it must not be refused.
//   - A certificate that verified a message is never fetched again (it is
//     in memory, then in the store), so the signer's known URLs never wait
//     behind junk: the priority they could be given, they already have.
//
// Memory stays bounded: failures by maxFailures, loads in flight by the
// requests in flight, and certificates kept by what parses as an RSA
// certificate at an SNS path on an SNS host, which is AWS's own few.
const (
	maxFetches  = 4
	failureTTL  = 5 * time.Minute
	maxFailures = 4096
)

// certEntry is one URL's certificate. mu is held while it loads, so that a
// storm of messages signed with a new certificate fetches it once.
type certEntry struct {
	mu   sync.Mutex
	cert *x509.Certificate
	// unsaved is the PEM of a fetched certificate that has not yet
	// verified a message, and so is not yet in the CertCache.
	unsaved []byte
	// err is the failed load, for the requests that waited on it; the
	// entry is then out of Verifier.certs.
	err error
}

// cert returns the certificate at rawURL (already checked by CheckURL):
// from memory, the Cache, CertDir, or else fetched; or the failure
// remembered for the URL, without loading it.
func (v *Verifier) cert(ctx context.Context, rawURL string, now time.Time) (*x509.Certificate, *certEntry, error) {
	v.mu.Lock()
	if err := v.failed.get(rawURL, now); err != nil {
		v.mu.Unlock()
		return nil, nil, err
	}
	if v.certs == nil {
		v.certs = make(map[string]*certEntry)
	}
	e, ok := v.certs[rawURL]
	if !ok {
		e = &certEntry{}
		v.certs[rawURL] = e
	}
	v.mu.Unlock()

	e.mu.Lock()
	defer e.mu.Unlock()
	if e.cert != nil || e.err != nil {
		return e.cert, e, e.err
	}
	c, fetched, err := v.load(ctx, rawURL)
	if err != nil {
		e.err = err
		v.forget(rawURL, e, err, now)
		return nil, nil, err
	}
	e.cert, e.unsaved = c, fetched
	return c, e, nil
}

// forget drops a failed entry, remembering the URL if it failed for good.
func (v *Verifier) forget(rawURL string, e *certEntry, err error, now time.Time) {
	v.mu.Lock()
	defer v.mu.Unlock()
	if v.certs[rawURL] == e {
		delete(v.certs, rawURL)
	}
	if errors.Is(err, ErrCertificate) {
		v.failed.add(rawURL, err, now)
	}
}

// proved writes a fetched certificate to the Cache once it has verified a
// message; a failing write is logged and the message still accepted.
func (v *Verifier) proved(rawURL string, e *certEntry) {
	e.mu.Lock()
	data := e.unsaved
	e.unsaved = nil
	e.mu.Unlock()
	if data == nil || v.Cache == nil {
		return
	}
	if err := v.Cache.PutCert(rawURL, data); err != nil {
		v.logger().Warn("sns certificate not cached", "url", rawURL, "err", err)
	}
}

// load reads a certificate that is not in memory. fetched is its PEM when
// it was fetched, to be saved once it has verified a message.
func (v *Verifier) load(ctx context.Context, rawURL string) (c *x509.Certificate, fetched []byte, err error) {
	if v.Cache != nil {
		data, ok, err := v.Cache.GetCert(rawURL)
		if err != nil {
			return nil, nil, fmt.Errorf("%w: read %s from the certificate cache: %w", ErrCertUnavailable, rawURL, err)
		}
		if c, err := parseCert(data, rawURL); ok && err == nil {
			return c, nil, nil // a corrupt cached copy is read again below
		}
	}
	if data, ok, err := v.fromDir(rawURL); err != nil || ok {
		if err != nil {
			return nil, nil, err
		}
		c, err := parseCert(data, rawURL)
		return c, nil, err
	}
	data, err := v.fetch(ctx, rawURL)
	if err != nil {
		return nil, nil, err
	}
	if c, err = parseCert(data, rawURL); err != nil {
		return nil, nil, err
	}
	return c, data, nil
}

// fetch GETs a certificate in one of maxFetches slots, with a bounded size
// and time (waiting for the slot included).
func (v *Verifier) fetch(ctx context.Context, rawURL string) ([]byte, error) {
	timeout := v.FetchTimeout
	if timeout <= 0 {
		timeout = 10 * time.Second
	}
	ctx, cancel := context.WithTimeout(ctx, timeout)
	defer cancel()
	release, err := v.slot(ctx)
	if err != nil {
		return nil, fmt.Errorf("%w: fetch %s: no fetch slot free: %w", ErrCertUnavailable, rawURL, err)
	}
	defer release()
	req, err := http.NewRequestWithContext(ctx, http.MethodGet, rawURL, nil)
	if err != nil {
		return nil, fmt.Errorf("%w: %q: %w", ErrUntrustedURL, rawURL, err)
	}
	resp, err := noRedirects(v.Client, timeout).Do(req)
	if err != nil {
		return nil, fmt.Errorf("%w: fetch %s: %w", ErrCertUnavailable, rawURL, err)
	}
	defer func() {
		// Read a little of what is left, so that the connection is reused:
		// junk answered 404 must not cost a TLS handshake each.
		io.Copy(io.Discard, io.LimitReader(resp.Body, 4<<10))
		resp.Body.Close()
	}()
	switch {
	case resp.StatusCode >= 500 || resp.StatusCode == http.StatusTooManyRequests:
		return nil, fmt.Errorf("%w: fetch %s: status %d", ErrCertUnavailable, rawURL, resp.StatusCode)
	case resp.StatusCode != http.StatusOK:
		return nil, fmt.Errorf("%w: fetch %s: status %d", ErrCertificate, rawURL, resp.StatusCode)
	}
	data, err := readBounded(resp.Body, maxCertBytes)
	switch {
	case errors.Is(err, errTooLong):
		return nil, fmt.Errorf("%w: fetch %s: %w", ErrCertificate, rawURL, err)
	case err != nil:
		return nil, fmt.Errorf("%w: fetch %s: %w", ErrCertUnavailable, rawURL, err)
	}
	return data, nil
}

// slot waits for one of maxFetches fetch slots (channel senders are served
// in arrival order) and returns its release.
func (v *Verifier) slot(ctx context.Context) (release func(), err error) {
	v.mu.Lock()
	if v.slots == nil {
		v.slots = make(chan struct{}, maxFetches)
	}
	slots := v.slots
	v.mu.Unlock()
	select {
	case slots <- struct{}{}:
		return func() { <-slots }, nil
	case <-ctx.Done():
		return nil, ctx.Err()
	}
}

// noRedirects returns a copy of c (or of a new client with timeout) that
// does not follow redirects: a URL is checked before it is fetched, and a
// redirect would fetch another one.
func noRedirects(c *http.Client, timeout time.Duration) *http.Client {
	out := http.Client{Timeout: timeout}
	if c != nil {
		out = *c
	}
	out.CheckRedirect = func(*http.Request, []*http.Request) error { return http.ErrUseLastResponse }
	return &out
}

// failures maps certificate URLs that failed for good to their failure
// and when it may be tried again. It holds at most maxFailures: when full,
// an arbitrary one is dropped (that URL may cost one more fetch).
// Verifier.mu guards it.
type failures map[string]failure

type failure struct {
	err   error
	until time.Time
}

// get returns the failure remembered for rawURL at now, or nil.
func (f failures) get(rawURL string, now time.Time) error {
	x, ok := f[rawURL]
	if !ok {
		return nil
	}
	if !now.Before(x.until) {
		delete(f, rawURL)
		return nil
	}
	return fmt.Errorf("%w (remembered; not fetched again before %s)", x.err, x.until.UTC().Format(time.RFC3339))
}

// add remembers err for rawURL for failureTTL from now.
func (f *failures) add(rawURL string, err error, now time.Time) {
	if *f == nil {
		*f = make(failures)
	}
	if len(*f) >= maxFailures {
		for u := range *f {
			delete(*f, u)
			break
		}
	}
	(*f)[rawURL] = failure{err: err, until: now.Add(failureTTL)}
}

package intake

import (
	"context"
	"crypto/rsa"
	"crypto/x509"
	"encoding/pem"
	"errors"
	"fmt"
	"io"
	"io/fs"
	"net/http"
	"net/url"
	"os"
	"path"
	"path/filepath"
	"regexp"
	"strings"
	"sync"
	"time"
)

// CertCache is a durable cache of SNS signing certificates (PEM), keyed by
// SigningCertURL, so that a restart during an alarm storm does not fetch
// them again. The store implements it.
type CertCache interface {
	GetCert(url string) (pem []byte, ok bool, err error)
	PutCert(url string, pem []byte) error
}

// maxCertBytes bounds a certificate read from a file or fetched.
const maxCertBytes = 64 << 10

// awsHostPattern is the host of every SNS endpoint, in the commercial and
// China partitions (the pattern AWS's own validators use, lower case).
var awsHostPattern = regexp.MustCompile(`^sns\.[a-z0-9-]{3,}\.amazonaws\.com(\.cn)?$`)

// certName is what a certificate's file name in CertDir may look like.
var certName = regexp.MustCompile(`^[A-Za-z0-9._-]+\.pem$`)

// AWSHost reports whether hostport is an SNS host with no port: the
// production policy for every URL tocsin fetches on SNS's word.
func AWSHost(hostport string) bool {
	return awsHostPattern.MatchString(hostport)
}

// CheckURL reports whether tocsin may fetch raw: https, no user info, an
// allowed host (by default an SNS host with no port) and, for a
// certificate, a path ending in .pem. It never touches the network. Its
// errors show only the scheme, host and path: a SubscribeURL's query holds
// the subscription token.
func (v *Verifier) CheckURL(raw string, cert bool) error {
	u, err := url.Parse(raw)
	if err != nil {
		return fmt.Errorf("%w: not a URL", ErrUntrustedURL)
	}
	allowed := v.HostAllowed
	if allowed == nil {
		allowed = AWSHost
	}
	shown := redactURL(u)
	switch {
	case u.Scheme != "https":
		return fmt.Errorf("%w: %s is not https", ErrUntrustedURL, shown)
	case u.User != nil:
		return fmt.Errorf("%w: %s carries user info", ErrUntrustedURL, shown)
	case u.Opaque != "" || u.Host == "":
		return fmt.Errorf("%w: %s has no host", ErrUntrustedURL, shown)
	case !allowed(u.Host):
		return fmt.Errorf("%w: host %q of %s is not an SNS host", ErrUntrustedURL, u.Host, shown)
	case cert && (!strings.HasSuffix(u.Path, ".pem") || u.RawQuery != "" || u.Fragment != ""):
		return fmt.Errorf("%w: certificate URL %s does not name a .pem file", ErrUntrustedURL, shown)
	}
	return nil
}

// redactURL shows a URL without its user info, query and fragment.
func redactURL(u *url.URL) string {
	r := url.URL{Scheme: u.Scheme, Host: u.Host, Path: u.Path}
	if u.User != nil {
		r.User = url.User("redacted")
	}
	return r.String()
}

// redactURLError drops the URL (and the token in it) from an HTTP client
// error, keeping the operation and cause.
func redactURLError(err error) error {
	var ue *url.Error
	if errors.As(err, &ue) {
		return fmt.Errorf("%s: %w", ue.Op, ue.Err)
	}
	return err
}

// certEntry serialises the loading of one URL, so that a storm of messages
// signed with a new certificate fetches it once.
type certEntry struct {
	mu   sync.Mutex
	cert *x509.Certificate
}

// cert returns the certificate at rawURL (already checked by CheckURL):
// from memory, the Cache, CertDir, or else fetched.
func (v *Verifier) cert(ctx context.Context, rawURL string, now time.Time) (*x509.Certificate, error) {
	v.mu.Lock()
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
	if e.cert != nil {
		return e.cert, nil
	}
	c, err := v.load(ctx, rawURL, now)
	if err != nil {
		v.mu.Lock()
		delete(v.certs, rawURL) // remember only certificates, not failures
		v.mu.Unlock()
		return nil, err
	}
	e.cert = c
	return c, nil
}

// load reads a certificate that is not in memory.
func (v *Verifier) load(ctx context.Context, rawURL string, now time.Time) (*x509.Certificate, error) {
	if v.Cache != nil {
		data, ok, err := v.Cache.GetCert(rawURL)
		if err != nil {
			return nil, fmt.Errorf("%w: read %s from the certificate cache: %w", ErrCertUnavailable, rawURL, err)
		}
		if c, err := parseCert(data, rawURL); ok && err == nil {
			return c, nil // a corrupt cached copy is read again below
		}
	}
	if data, ok, err := v.fromDir(rawURL); err != nil || ok {
		if err != nil {
			return nil, err
		}
		return parseCert(data, rawURL)
	}
	if !v.allowFetch(now) {
		return nil, fmt.Errorf("%w: more than %d certificate fetches a minute; %s must wait", ErrCertUnavailable, fetchesPerMinute, rawURL)
	}
	data, err := v.fetch(ctx, rawURL)
	if err != nil {
		return nil, err
	}
	c, err := parseCert(data, rawURL)
	if err != nil {
		return nil, err
	}
	if v.Cache != nil {
		if err := v.Cache.PutCert(rawURL, data); err != nil {
			v.logger().Warn("sns certificate not cached", "url", rawURL, "err", err)
		}
	}
	return c, nil
}

// fromDir reads the certificate named by the URL path's base name from
// CertDir, if there is one.
func (v *Verifier) fromDir(rawURL string) ([]byte, bool, error) {
	if v.CertDir == "" {
		return nil, false, nil
	}
	u, err := url.Parse(rawURL)
	if err != nil {
		return nil, false, fmt.Errorf("%w: %q is not a URL", ErrUntrustedURL, rawURL)
	}
	name := path.Base(u.Path)
	if !certName.MatchString(name) {
		return nil, false, nil
	}
	f, err := os.Open(filepath.Join(v.CertDir, name))
	if errors.Is(err, fs.ErrNotExist) {
		return nil, false, nil
	}
	if err != nil {
		return nil, false, fmt.Errorf("%w: open %s: %w", ErrCertUnavailable, name, err)
	}
	defer f.Close()
	data, err := readBounded(f, maxCertBytes)
	if err != nil {
		return nil, false, fmt.Errorf("%w: read %s: %w", ErrCertificate, name, err)
	}
	return data, true, nil
}

// fetchesPerMinute bounds certificate fetches. SNS certificates change a
// few times a year, so a burst of unknown (if well-formed) URLs is an
// attack or a bug; the messages beyond it get a 503 and come again.
const fetchesPerMinute = 10

// allowFetch records a fetch at now unless the last minute had its fill.
func (v *Verifier) allowFetch(now time.Time) bool {
	v.mu.Lock()
	defer v.mu.Unlock()
	recent := v.fetches[:0]
	for _, t := range v.fetches {
		if t.After(now.Add(-time.Minute)) {
			recent = append(recent, t)
		}
	}
	v.fetches = recent
	if len(recent) >= fetchesPerMinute {
		return false
	}
	v.fetches = append(v.fetches, now)
	return true
}

// fetch GETs a certificate with a bounded size and time.
func (v *Verifier) fetch(ctx context.Context, rawURL string) ([]byte, error) {
	timeout := v.FetchTimeout
	if timeout <= 0 {
		timeout = 10 * time.Second
	}
	ctx, cancel := context.WithTimeout(ctx, timeout)
	defer cancel()
	req, err := http.NewRequestWithContext(ctx, http.MethodGet, rawURL, nil)
	if err != nil {
		return nil, fmt.Errorf("%w: %q: %w", ErrUntrustedURL, rawURL, err)
	}
	resp, err := noRedirects(v.Client, timeout).Do(req)
	if err != nil {
		return nil, fmt.Errorf("%w: fetch %s: %w", ErrCertUnavailable, rawURL, err)
	}
	defer resp.Body.Close()
	switch {
	case resp.StatusCode >= 500 || resp.StatusCode == http.StatusTooManyRequests:
		return nil, fmt.Errorf("%w: fetch %s: status %d", ErrCertUnavailable, rawURL, resp.StatusCode)
	case resp.StatusCode != http.StatusOK:
		return nil, fmt.Errorf("%w: fetch %s: status %d", ErrCertificate, rawURL, resp.StatusCode)
	}
	data, err := readBounded(resp.Body, maxCertBytes)
	if err != nil {
		return nil, fmt.Errorf("%w: fetch %s: %w", ErrCertificate, rawURL, err)
	}
	return data, nil
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

// readBounded reads at most limit bytes, and fails if there are more.
func readBounded(r io.Reader, limit int64) ([]byte, error) {
	data, err := io.ReadAll(io.LimitReader(r, limit+1))
	if err != nil {
		return nil, err
	}
	if int64(len(data)) > limit {
		return nil, fmt.Errorf("longer than %d bytes", limit)
	}
	return data, nil
}

// parseCert decodes the first PEM certificate in data; it must hold an RSA
// public key.
func parseCert(data []byte, rawURL string) (*x509.Certificate, error) {
	block, _ := pem.Decode(data)
	if block == nil || block.Type != "CERTIFICATE" {
		return nil, fmt.Errorf("%w: %s is not a PEM certificate", ErrCertificate, rawURL)
	}
	c, err := x509.ParseCertificate(block.Bytes)
	if err != nil {
		return nil, fmt.Errorf("%w: parse %s: %w", ErrCertificate, rawURL, err)
	}
	if _, ok := c.PublicKey.(*rsa.PublicKey); !ok {
		return nil, fmt.Errorf("%w: %s does not hold an RSA key", ErrCertificate, rawURL)
	}
	return c, nil
}

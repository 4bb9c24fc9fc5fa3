package intake

import (
	"crypto/rsa"
	"crypto/x509"
	"encoding/pem"
	"errors"
	"fmt"
	"io"
	"io/fs"
	"net/url"
	"os"
	"path"
	"path/filepath"
	"regexp"
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

// certPath is the only path a SigningCertURL may have: SNS's own form,
// /SimpleNotificationService-<hex>.pem. Real names carry 32 hex digits;
// the bound allows AWS some room but keeps junk URLs short, since each
// may be remembered (certs_fetch.go). It is matched against the escaped
// path, so %-encoded look-alikes are refused too.
var certPath = regexp.MustCompile(`^/SimpleNotificationService-[0-9A-Fa-f]{1,64}\.pem$`)

// certName is what a certificate's file name in CertDir may look like.
var certName = regexp.MustCompile(`^[A-Za-z0-9._-]+\.pem$`)

// AWSHost reports whether hostport is an SNS host with no port: the
// production policy for every URL tocsin fetches on SNS's word.
func AWSHost(hostport string) bool {
	return awsHostPattern.MatchString(hostport)
}

// CheckURL reports whether tocsin may fetch raw: https, no user info, an
// allowed host (by default an SNS host with no port) and, for a
// certificate, exactly SNS's path /SimpleNotificationService-<hex>.pem with
// no query or fragment, whatever HostAllowed says. It never touches the
// network. Its errors show only the scheme, host and path: a
// SubscribeURL's query holds the subscription token.
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
	case cert && (!certPath.MatchString(u.EscapedPath()) || u.RawQuery != "" || u.ForceQuery || u.Fragment != ""):
		return fmt.Errorf("%w: certificate URL %s is not of SNS's form /SimpleNotificationService-<hex>.pem", ErrUntrustedURL, shown)
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

// errTooLong: readBounded found more than its limit, which (unlike a
// read cut off by the network) will not change if read again.
var errTooLong = errors.New("too long")

// readBounded reads at most limit bytes, and fails if there are more.
func readBounded(r io.Reader, limit int64) ([]byte, error) {
	data, err := io.ReadAll(io.LimitReader(r, limit+1))
	if err != nil {
		return nil, err
	}
	if int64(len(data)) > limit {
		return nil, fmt.Errorf("%w: longer than %d bytes", errTooLong, limit)
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

package intake

import (
	"context"
	"crypto"
	"crypto/rsa"
	"crypto/sha1" //nolint:gosec // SNS SignatureVersion 1 is SHA1withRSA; we only verify.
	"crypto/sha256"
	"encoding/base64"
	"errors"
	"fmt"
	"log/slog"
	"net/http"
	"strings"
	"sync"
	"time"
)

// Errors of Verifier.Verify. Only ErrCertUnavailable is worth a retry.
var (
	// ErrSignature: the signature is missing, undecodable, of an unknown
	// SignatureVersion, or does not verify.
	ErrSignature = errors.New("SNS signature does not verify")
	// ErrUntrustedURL: a SigningCertURL or SubscribeURL that tocsin refuses
	// to fetch (scheme, user info, port, path or host).
	ErrUntrustedURL = errors.New("untrusted SNS URL")
	// ErrCertificate: the signing certificate cannot be used (not found,
	// not PEM, not RSA, or not valid at the message's verification time).
	ErrCertificate = errors.New("unusable SNS signing certificate")
	// ErrCertUnavailable: the certificate could not be read for a reason
	// that may pass (network, timeout, AWS 5xx, the CertCache failing).
	ErrCertUnavailable = errors.New("SNS signing certificate unavailable")
	// ErrSignatureVersion: the message is signed with SignatureVersion 1
	// (SHA1withRSA) and the Verifier's MinSignatureVersion is 2. It will
	// not change if SNS retries: the topic must be set to sign with
	// SignatureVersion 2.
	ErrSignatureVersion = errors.New("SNS SignatureVersion refused")
)

// StringToSign builds the canonical string SNS signs for an envelope: for
// each field of the type in a fixed order, skipping an absent Subject,
// "Name\nValue\n".
func StringToSign(e Envelope) (string, error) {
	var fields []field
	switch e.Type {
	case TypeNotification:
		fields = []field{{"Message", &e.Message}, {"MessageId", &e.MessageID}}
		if e.HasSubject {
			fields = append(fields, field{"Subject", &e.Subject})
		}
		fields = append(fields, field{"Timestamp", &e.Timestamp}, field{"TopicArn", &e.TopicARN}, field{"Type", &e.Type})
	case TypeSubscriptionConfirmation, TypeUnsubscribeConfirmation:
		fields = []field{
			{"Message", &e.Message}, {"MessageId", &e.MessageID}, {"SubscribeURL", &e.SubscribeURL},
			{"Timestamp", &e.Timestamp}, {"Token", &e.Token}, {"TopicArn", &e.TopicARN}, {"Type", &e.Type},
		}
	default:
		return "", fmt.Errorf("%w: no string to sign for Type %q", ErrMalformed, e.Type)
	}
	var b strings.Builder
	for _, f := range fields {
		b.WriteString(f.name)
		b.WriteByte('\n')
		b.WriteString(*f.value)
		b.WriteByte('\n')
	}
	return b.String(), nil
}

// signatureHash maps a SignatureVersion to its hash: 1 is SHA1withRSA and
// 2 is SHA256withRSA. Anything else is refused.
func signatureHash(version string, msg []byte) (crypto.Hash, []byte, error) {
	switch version {
	case "1":
		sum := sha1.Sum(msg) //nolint:gosec // required by SignatureVersion 1
		return crypto.SHA1, sum[:], nil
	case "2":
		sum := sha256.Sum256(msg)
		return crypto.SHA256, sum[:], nil
	}
	return 0, nil, fmt.Errorf("%w: SignatureVersion %q is not 1 or 2", ErrSignature, version)
}

// Verifier checks SNS signatures. The zero value is ready for production:
// it trusts only AWS's SNS hosts and SNS's certificate paths, caches
// certificates in memory, remembers URLs that failed, and fetches with a
// client that times out, a few at a time (certs_fetch.go says why). Set
// the fields before first use and do not change them afterwards; a
// Verifier is safe for concurrent use.
type Verifier struct {
	// Client fetches signing certificates; nil means a client with
	// FetchTimeout.
	Client *http.Client
	// Cache is an optional durable certificate cache (the store), read after
	// memory, and written once a fetched certificate has verified a message.
	Cache CertCache
	// CertDir is an optional directory of pre-loaded certificates, each
	// named by the base name of its URL's path.
	CertDir string
	// HostAllowed decides whether a URL's host (with its port, if any) may
	// be fetched, for SigningCertURL and SubscribeURL alike. Nil means
	// AWSHost. Tests may allow an httptest server here; production must not.
	HostAllowed func(hostport string) bool
	// FetchTimeout bounds one certificate fetch, the wait for a fetch slot
	// included; 0 means 10 seconds.
	FetchTimeout time.Duration
	// Logger reports a failing Cache write; nil discards.
	Logger *slog.Logger
	// MinSignatureVersion is the oldest SignatureVersion accepted: 0 or 1
	// accept 1 (SHA1withRSA, SNS's default) and 2 (SHA256withRSA); 2
	// refuses 1 with ErrSignatureVersion, before any certificate is
	// fetched, for topics set to sign with SHA256. Values above 2 act as 2.
	MinSignatureVersion int

	mu     sync.Mutex
	certs  map[string]*certEntry // loaded or loading, by URL
	failed failures              // URLs that failed for good, for a while
	slots  chan struct{}         // of fetches running, at most maxFetches
}

// Verify checks e's signature with the certificate its SigningCertURL
// names, as of now. The SignatureVersion and the URL are checked before
// anything is fetched.
func (v *Verifier) Verify(ctx context.Context, e Envelope, now time.Time) error {
	canonical, err := StringToSign(e)
	if err != nil {
		return err
	}
	if err := v.checkVersion(e); err != nil {
		return err
	}
	hash, digest, err := signatureHash(e.SignatureVersion, []byte(canonical))
	if err != nil {
		return err
	}
	sig, err := base64.StdEncoding.DecodeString(e.Signature)
	if err != nil || len(sig) == 0 {
		return fmt.Errorf("%w: Signature is not base64", ErrSignature)
	}
	if err := v.CheckURL(e.SigningCertURL, true); err != nil {
		return err
	}
	cert, entry, err := v.cert(ctx, e.SigningCertURL, now)
	if err != nil {
		return err
	}
	if now.Before(cert.NotBefore) || now.After(cert.NotAfter) {
		return fmt.Errorf("%w: certificate %s is valid from %s to %s, not at %s", ErrCertificate,
			e.SigningCertURL, cert.NotBefore.Format(time.RFC3339), cert.NotAfter.Format(time.RFC3339), now.UTC().Format(time.RFC3339))
	}
	key, ok := cert.PublicKey.(*rsa.PublicKey)
	if !ok {
		return fmt.Errorf("%w: certificate %s does not hold an RSA key", ErrCertificate, e.SigningCertURL)
	}
	if err := rsa.VerifyPKCS1v15(key, hash, digest, sig); err != nil {
		return fmt.Errorf("%w: message %s (SignatureVersion %s)", ErrSignature, e.MessageID, e.SignatureVersion)
	}
	v.proved(e.SigningCertURL, entry)
	return nil
}

// checkVersion refuses SignatureVersion 1 when MinSignatureVersion is 2,
// saying how to fix the topic; signatureHash refuses unknown versions.
func (v *Verifier) checkVersion(e Envelope) error {
	if v.MinSignatureVersion < 2 || e.SignatureVersion != "1" {
		return nil
	}
	return fmt.Errorf("%w: message %s from %s is signed with SignatureVersion 1 (SHA1withRSA) and only 2 (SHA256withRSA) is accepted; set the topic's SignatureVersion attribute to 2",
		ErrSignatureVersion, e.MessageID, e.TopicARN)
}

// logger returns the Verifier's logger or one that discards.
func (v *Verifier) logger() *slog.Logger {
	if v.Logger == nil {
		return discard()
	}
	return v.Logger
}

package sim

import (
	"crypto"
	"crypto/rand"
	"crypto/rsa"
	"crypto/sha1" //nolint:gosec // SignatureVersion 1 is SHA1withRSA
	"crypto/sha256"
	"crypto/x509"
	"crypto/x509/pkix"
	"encoding/base64"
	"encoding/hex"
	"encoding/json"
	"encoding/pem"
	"errors"
	"fmt"
	"maps"
	"math/big"
	"os"
	"path/filepath"
	"strings"
	"time"
)

// SNS message types, the values of an envelope's Type field.
const (
	SNSNotification             = "Notification"
	SNSSubscriptionConfirmation = "SubscriptionConfirmation"
	SNSUnsubscribeConfirmation  = "UnsubscribeConfirmation"
)

// snsTimestamp is how SNS writes an envelope's Timestamp: UTC, milliseconds.
const snsTimestamp = "2006-01-02T15:04:05.000Z"

// SNSFeedOptions configures an [SNSFeed].
type SNSFeedOptions struct {
	// CertDir is the directory the certificate is written to, under the base
	// name of the SigningCertURL (what TOCSIN_SNS_CERT_DIR reads). It is
	// created if missing. Required.
	CertDir string
	// Key signs every message; nil makes a new RSA-2048 key, the size of
	// SNS's own.
	Key *rsa.PrivateKey
	// Region is the SNS region of the certificate URL, the topic and the
	// unsubscribe URL; us-east-1 when empty.
	Region string
	// CertName is the SigningCertURL's base name; empty means a fresh
	// SimpleNotificationService-<32 hex>.pem, the shape of SNS's.
	CertName string
	// TopicARN is the topic messages come from; empty means
	// arn:aws:sns:<Region>:123456789012:tocsin-alarms.
	TopicARN string
	// SignatureVersion is "1" (SHA1withRSA) or "2" (SHA256withRSA, the
	// default) for Notification.
	SignatureVersion string
	// NotBefore and NotAfter bound the certificate; zero means an hour
	// before Now and a week after it.
	NotBefore, NotAfter time.Time
	// Now stamps messages (Timestamp); nil means time.Now.
	Now func() time.Time
}

// SNSFeed signs Amazon SNS messages exactly as SNS does (PROTOCOLS.md 1.3),
// with a key whose self-signed certificate sits in CertDir under the name
// its SigningCertURL ends with. The URL names a real SNS host, so the
// receiver's URL and host checks apply unchanged and only the certificate
// comes from the directory. It is safe for concurrent use.
type SNSFeed struct {
	opts    SNSFeedOptions
	key     *rsa.PrivateKey
	certURL string
	cert    []byte
}

// NewSNSFeed makes the key (unless given) and writes its certificate.
func NewSNSFeed(o SNSFeedOptions) (*SNSFeed, error) {
	if o.CertDir == "" {
		return nil, errors.New("SNS feed: CertDir is required")
	}
	if o.Now == nil {
		o.Now = time.Now
	}
	if o.Region == "" {
		o.Region = "us-east-1"
	}
	if o.TopicARN == "" {
		o.TopicARN = "arn:aws:sns:" + o.Region + ":123456789012:tocsin-alarms"
	}
	if o.SignatureVersion == "" {
		o.SignatureVersion = "2"
	}
	if o.CertName == "" {
		o.CertName = "SimpleNotificationService-" + randomHex(16) + ".pem"
	}
	f := &SNSFeed{opts: o, key: o.Key, certURL: "https://sns." + o.Region + ".amazonaws.com/" + o.CertName}
	if f.key == nil {
		key, err := rsa.GenerateKey(rand.Reader, 2048)
		if err != nil {
			return nil, fmt.Errorf("SNS feed: make a key: %w", err)
		}
		f.key = key
	}
	from, to := o.NotBefore, o.NotAfter
	if from.IsZero() {
		from = o.Now().Add(-time.Hour)
	}
	if to.IsZero() {
		to = o.Now().Add(7 * 24 * time.Hour)
	}
	cert, err := f.CertificateValid(from, to)
	if err != nil {
		return nil, err
	}
	f.cert = cert
	if err := os.MkdirAll(o.CertDir, 0o700); err != nil {
		return nil, fmt.Errorf("SNS feed: %w", err)
	}
	if err := os.WriteFile(filepath.Join(o.CertDir, o.CertName), cert, 0o600); err != nil {
		return nil, fmt.Errorf("SNS feed: %w", err)
	}
	return f, nil
}

// CertURL is the SigningCertURL of every message the feed signs.
func (f *SNSFeed) CertURL() string { return f.certURL }

// CertDir is the directory holding the certificate.
func (f *SNSFeed) CertDir() string { return f.opts.CertDir }

// TopicARN is the topic the feed's messages come from.
func (f *SNSFeed) TopicARN() string { return f.opts.TopicARN }

// Certificate is the PEM certificate written to CertDir.
func (f *SNSFeed) Certificate() []byte { return f.cert }

// CertificateValid returns another PEM certificate for the feed's key,
// valid from notBefore to notAfter (an expired one, say).
func (f *SNSFeed) CertificateValid(notBefore, notAfter time.Time) ([]byte, error) {
	tmpl := &x509.Certificate{
		SerialNumber: big.NewInt(1),
		Subject:      pkix.Name{CommonName: "sns.amazonaws.com"},
		NotBefore:    notBefore,
		NotAfter:     notAfter,
		KeyUsage:     x509.KeyUsageDigitalSignature,
	}
	der, err := x509.CreateCertificate(rand.Reader, tmpl, tmpl, &f.key.PublicKey, f.key)
	if err != nil {
		return nil, fmt.Errorf("SNS feed: make a certificate: %w", err)
	}
	return pem.EncodeToMemory(&pem.Block{Type: "CERTIFICATE", Bytes: der}), nil
}

// Sign returns a copy of fields (an envelope's JSON fields: Type,
// MessageId, TopicArn, Message, Timestamp, and Subject or SubscribeURL and
// Token as the type has them) with SignatureVersion set to version and
// Signature computed over SNS's string to sign. A Subject key, even empty,
// is signed; leave it out for none. Other keys (SigningCertURL,
// UnsubscribeURL) are copied and not signed, as SNS does.
func (f *SNSFeed) Sign(version string, fields map[string]string) (map[string]string, error) {
	canonical, err := snsStringToSign(fields)
	if err != nil {
		return nil, err
	}
	var hash crypto.Hash
	var digest []byte
	switch version {
	case "1":
		sum := sha1.Sum([]byte(canonical)) //nolint:gosec // required by SignatureVersion 1
		hash, digest = crypto.SHA1, sum[:]
	case "2":
		sum := sha256.Sum256([]byte(canonical))
		hash, digest = crypto.SHA256, sum[:]
	default:
		return nil, fmt.Errorf("SNS feed: SignatureVersion %q is not 1 or 2", version)
	}
	sig, err := rsa.SignPKCS1v15(rand.Reader, f.key, hash, digest)
	if err != nil {
		return nil, fmt.Errorf("SNS feed: sign: %w", err)
	}
	out := maps.Clone(fields)
	out["SignatureVersion"] = version
	out["Signature"] = base64.StdEncoding.EncodeToString(sig)
	return out, nil
}

// snsSigned lists the fields of each message type in the order of the
// string to sign.
var snsSigned = map[string][]string{
	SNSNotification:             {"Message", "MessageId", "Subject", "Timestamp", "TopicArn", "Type"},
	SNSSubscriptionConfirmation: {"Message", "MessageId", "SubscribeURL", "Timestamp", "Token", "TopicArn", "Type"},
	SNSUnsubscribeConfirmation:  {"Message", "MessageId", "SubscribeURL", "Timestamp", "Token", "TopicArn", "Type"},
}

// snsStringToSign is "Name\nValue\n" for each present field of the type's
// list, in its order.
func snsStringToSign(fields map[string]string) (string, error) {
	names, ok := snsSigned[fields["Type"]]
	if !ok {
		return "", fmt.Errorf("SNS feed: no string to sign for Type %q", fields["Type"])
	}
	var b strings.Builder
	for _, name := range names {
		if v, ok := fields[name]; ok {
			b.WriteString(name + "\n" + v + "\n")
		}
	}
	return b.String(), nil
}

// Notification returns the signed JSON body of a Notification carrying
// message, as SNS posts it to an HTTP subscriber: a fresh MessageId when
// msgID is empty, no Subject when subject is empty (SNS omits an
// unpublished one), the feed's topic, SignatureVersion, certificate URL and
// an UnsubscribeURL.
func (f *SNSFeed) Notification(msgID, subject, message string) ([]byte, error) {
	if msgID == "" {
		msgID = NewUUID()
	}
	fields := map[string]string{
		"Type": SNSNotification, "MessageId": msgID, "TopicArn": f.opts.TopicARN,
		"Message": message, "Timestamp": f.opts.Now().UTC().Format(snsTimestamp),
	}
	if subject != "" {
		fields["Subject"] = subject
	}
	signed, err := f.Sign(f.opts.SignatureVersion, fields)
	if err != nil {
		return nil, err
	}
	signed["SigningCertURL"] = f.certURL
	signed["UnsubscribeURL"] = "https://sns." + f.opts.Region + ".amazonaws.com/?Action=Unsubscribe&SubscriptionArn=" + f.opts.TopicARN + ":" + NewUUID()
	return json.Marshal(signed)
}

// NewUUID returns a random version-4 UUID, the shape of SNS MessageIds.
func NewUUID() string {
	var b [16]byte
	rand.Read(b[:])
	return FormatUUID(b)
}

// FormatUUID writes 16 bytes as a version-4 UUID (setting its version and
// variant bits), for callers that draw the bytes from a seeded source.
func FormatUUID(b [16]byte) string {
	b[6], b[8] = b[6]&0x0f|0x40, b[8]&0x3f|0x80
	h := hex.EncodeToString(b[:])
	return h[:8] + "-" + h[8:12] + "-" + h[12:16] + "-" + h[16:20] + "-" + h[20:]
}

func randomHex(n int) string {
	b := make([]byte, n)
	rand.Read(b)
	return hex.EncodeToString(b)
}

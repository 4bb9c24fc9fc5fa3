package intake

import (
	"crypto/rand"
	"crypto/rsa"
	"crypto/x509"
	"crypto/x509/pkix"
	"encoding/base64"
	"encoding/pem"
	"fmt"
	"maps"
	"math/big"
	"time"
)

// This file helps tests, `tocsin demo` and the storm benchmark speak SNS
// to tocsin: they sign envelopes with their own key and put the matching
// certificate in the Verifier's CertDir. Production never signs anything;
// real messages are signed by AWS.

// SignEnvelope returns a copy of env (the JSON fields of an SNS message:
// Type, MessageId, TopicArn, Message, Timestamp, and Subject or
// SubscribeURL and Token as the type has them) with SignatureVersion set
// to version ("1" or "2") and Signature computed with key, exactly as SNS
// does. A Subject key, even empty, is signed; leave it out for none.
// For tests and the demo only.
func SignEnvelope(key *rsa.PrivateKey, version string, env map[string]string) (map[string]string, error) {
	e := Envelope{
		Type: env["Type"], MessageID: env["MessageId"], TopicARN: env["TopicArn"],
		Message: env["Message"], Timestamp: env["Timestamp"], Token: env["Token"],
		SubscribeURL: env["SubscribeURL"],
	}
	e.Subject, e.HasSubject = env["Subject"]
	canonical, err := StringToSign(e)
	if err != nil {
		return nil, err
	}
	hash, digest, err := signatureHash(version, []byte(canonical))
	if err != nil {
		return nil, err
	}
	sig, err := rsa.SignPKCS1v15(rand.Reader, key, hash, digest)
	if err != nil {
		return nil, fmt.Errorf("sign SNS message: %w", err)
	}
	out := maps.Clone(env)
	out["SignatureVersion"] = version
	out["Signature"] = base64.StdEncoding.EncodeToString(sig)
	return out, nil
}

// SelfSignedPEM returns a PEM certificate for key, valid from notBefore to
// notAfter, to be served as an SNS signing certificate (a file in CertDir
// named by the SigningCertURL's base name). For tests and the demo only.
func SelfSignedPEM(key *rsa.PrivateKey, notBefore, notAfter time.Time) ([]byte, error) {
	tmpl := &x509.Certificate{
		SerialNumber: big.NewInt(1),
		Subject:      pkix.Name{CommonName: "sns.amazonaws.com"},
		NotBefore:    notBefore,
		NotAfter:     notAfter,
		KeyUsage:     x509.KeyUsageDigitalSignature,
	}
	der, err := x509.CreateCertificate(rand.Reader, tmpl, tmpl, &key.PublicKey, key)
	if err != nil {
		return nil, fmt.Errorf("create test SNS certificate: %w", err)
	}
	return pem.EncodeToMemory(&pem.Block{Type: "CERTIFICATE", Bytes: der}), nil
}

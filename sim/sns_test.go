package sim

import (
	"context"
	"crypto"
	"crypto/rsa"
	"crypto/sha1" //nolint:gosec // SignatureVersion 1
	"crypto/sha256"
	"crypto/x509"
	"encoding/base64"
	"encoding/json"
	"encoding/pem"
	"net/http"
	"net/http/httptest"
	"os"
	"path"
	"path/filepath"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/google/go-cmp/cmp"
)

var (
	snsKeyOnce sync.Once
	snsKey     *rsa.PrivateKey
)

// mustSNSFeed returns a feed writing into a temp dir, with one key for the
// whole test binary (RSA key generation is slow under -race).
func mustSNSFeed(t *testing.T, o SNSFeedOptions) *SNSFeed {
	t.Helper()
	snsKeyOnce.Do(func() {
		f, err := NewSNSFeed(SNSFeedOptions{CertDir: t.TempDir()})
		if err != nil {
			t.Fatal(err)
		}
		snsKey = f.key
	})
	o.CertDir, o.Key = t.TempDir(), snsKey
	f, err := NewSNSFeed(o)
	if err != nil {
		t.Fatal(err)
	}
	return f
}

// verifySNS checks env's signature the way PROTOCOLS.md 1.3 says, with the
// certificate the feed wrote, against the string to sign want.
func verifySNS(t *testing.T, f *SNSFeed, env map[string]string, want string) {
	t.Helper()
	raw, err := os.ReadFile(filepath.Join(f.CertDir(), path.Base(env["SigningCertURL"])))
	if err != nil {
		t.Fatalf("no certificate under the URL's base name: %v", err)
	}
	block, _ := pem.Decode(raw)
	cert, err := x509.ParseCertificate(block.Bytes)
	if err != nil {
		t.Fatal(err)
	}
	sig, err := base64.StdEncoding.DecodeString(env["Signature"])
	if err != nil {
		t.Fatal(err)
	}
	hash, sum := crypto.SHA256, sha256.Sum256([]byte(want))
	digest := sum[:]
	if env["SignatureVersion"] == "1" {
		sum1 := sha1.Sum([]byte(want)) //nolint:gosec // SignatureVersion 1
		hash, digest = crypto.SHA1, sum1[:]
	}
	if err := rsa.VerifyPKCS1v15(cert.PublicKey.(*rsa.PublicKey), hash, digest, sig); err != nil {
		t.Errorf("v%s signature does not verify over %q: %v", env["SignatureVersion"], want, err)
	}
}

func TestSNSFeed_Sign(t *testing.T) {
	f := mustSNSFeed(t, SNSFeedOptions{})
	for _, tc := range []struct {
		name   string
		fields map[string]string
		want   string // the string to sign, written out by hand
	}{
		{"Notification", map[string]string{"Type": SNSNotification, "MessageId": "m-1", "TopicArn": "arn:t", "Subject": "ALARM",
			"Message": "hello\nworld", "Timestamp": "2024-03-06T10:15:45.120Z"},
			"Message\nhello\nworld\nMessageId\nm-1\nSubject\nALARM\nTimestamp\n2024-03-06T10:15:45.120Z\nTopicArn\narn:t\nType\nNotification\n"},
		{"NotificationWithoutSubject", map[string]string{"Type": SNSNotification, "MessageId": "m-2", "TopicArn": "arn:t",
			"Message": "{}", "Timestamp": "2024-03-06T10:15:45.120Z"},
			"Message\n{}\nMessageId\nm-2\nTimestamp\n2024-03-06T10:15:45.120Z\nTopicArn\narn:t\nType\nNotification\n"},
		{"NotificationWithEmptySubject", map[string]string{"Type": SNSNotification, "MessageId": "m-3", "TopicArn": "arn:t",
			"Subject": "", "Message": "{}", "Timestamp": "t"},
			"Message\n{}\nMessageId\nm-3\nSubject\n\nTimestamp\nt\nTopicArn\narn:t\nType\nNotification\n"},
		{"SubscriptionConfirmation", map[string]string{"Type": SNSSubscriptionConfirmation, "MessageId": "m-4", "Token": "tok",
			"TopicArn": "arn:t", "Message": "confirm", "SubscribeURL": "https://sns/?x", "Timestamp": "t"},
			"Message\nconfirm\nMessageId\nm-4\nSubscribeURL\nhttps://sns/?x\nTimestamp\nt\nToken\ntok\nTopicArn\narn:t\nType\nSubscriptionConfirmation\n"},
		{"UnsubscribeConfirmation", map[string]string{"Type": SNSUnsubscribeConfirmation, "MessageId": "m-5", "Token": "tok",
			"TopicArn": "arn:t", "Message": "bye", "SubscribeURL": "https://sns/?y", "Timestamp": "t", "Subject": "not signed"},
			"Message\nbye\nMessageId\nm-5\nSubscribeURL\nhttps://sns/?y\nTimestamp\nt\nToken\ntok\nTopicArn\narn:t\nType\nUnsubscribeConfirmation\n"},
	} {
		for _, version := range []string{"1", "2"} {
			t.Run(tc.name+"/v"+version, func(t *testing.T) {
				signed, err := f.Sign(version, tc.fields)
				if err != nil {
					t.Fatal(err)
				}
				if signed["SignatureVersion"] != version || tc.fields["Signature"] != "" {
					t.Errorf("SignatureVersion %q (want %s); the input was changed: %v", signed["SignatureVersion"], version, tc.fields)
				}
				signed["SigningCertURL"] = f.CertURL()
				verifySNS(t, f, signed, tc.want)
			})
		}
	}
	if _, err := f.Sign("3", map[string]string{"Type": SNSNotification}); err == nil {
		t.Error("SignatureVersion 3 was accepted")
	}
	if _, err := f.Sign("2", map[string]string{"Type": "Bogus"}); err == nil {
		t.Error("an unknown Type was signed")
	}
}

func TestSNSFeed_Notification(t *testing.T) {
	at := time.Date(2024, 3, 6, 10, 15, 45, 120e6, time.UTC)
	f := mustSNSFeed(t, SNSFeedOptions{Region: "eu-west-1", SignatureVersion: "1", Now: func() time.Time { return at }})
	if !strings.HasPrefix(f.CertURL(), "https://sns.eu-west-1.amazonaws.com/SimpleNotificationService-") ||
		!strings.HasSuffix(f.CertURL(), ".pem") || len(path.Base(f.CertURL())) != len("SimpleNotificationService-.pem")+32 {
		t.Errorf("CertURL %q is not shaped like SNS's", f.CertURL())
	}
	body, err := f.Notification("", "", `{"AlarmName":"x"}`)
	if err != nil {
		t.Fatal(err)
	}
	var env map[string]string
	if err := json.Unmarshal(body, &env); err != nil {
		t.Fatal(err)
	}
	if _, ok := env["Subject"]; ok {
		t.Errorf("an empty subject was sent: %v", env)
	}
	if len(env["MessageId"]) != 36 || env["TopicArn"] != "arn:aws:sns:eu-west-1:123456789012:tocsin-alarms" ||
		env["Timestamp"] != "2024-03-06T10:15:45.120Z" || env["SigningCertURL"] != f.CertURL() ||
		!strings.HasPrefix(env["UnsubscribeURL"], "https://sns.eu-west-1.amazonaws.com/?Action=Unsubscribe&SubscriptionArn=") {
		t.Errorf("envelope %v", env)
	}
	verifySNS(t, f, env, "Message\n"+`{"AlarmName":"x"}`+"\nMessageId\n"+env["MessageId"]+
		"\nTimestamp\n2024-03-06T10:15:45.120Z\nTopicArn\n"+env["TopicArn"]+"\nType\nNotification\n")
}

func TestSNSFeed_Certificate(t *testing.T) {
	at := time.Date(2024, 3, 6, 10, 0, 0, 0, time.UTC)
	f := mustSNSFeed(t, SNSFeedOptions{CertName: "SimpleNotificationService-fixed.pem", Now: func() time.Time { return at }})
	raw, err := os.ReadFile(filepath.Join(f.CertDir(), "SimpleNotificationService-fixed.pem"))
	if err != nil || string(raw) != string(f.Certificate()) {
		t.Fatalf("the certificate in CertDir differs from Certificate(): %v", err)
	}
	block, _ := pem.Decode(raw)
	cert, err := x509.ParseCertificate(block.Bytes)
	if err != nil {
		t.Fatal(err)
	}
	if !cert.NotBefore.Equal(at.Add(-time.Hour)) || !cert.NotAfter.Equal(at.Add(7*24*time.Hour)) || cert.Subject.CommonName != "sns.amazonaws.com" {
		t.Errorf("certificate valid %v to %v for %q", cert.NotBefore, cert.NotAfter, cert.Subject.CommonName)
	}
	expired, err := f.CertificateValid(at.Add(-48*time.Hour), at.Add(-time.Hour))
	if err != nil {
		t.Fatal(err)
	}
	block, _ = pem.Decode(expired)
	if c, err := x509.ParseCertificate(block.Bytes); err != nil || !c.NotAfter.Equal(at.Add(-time.Hour)) {
		t.Errorf("CertificateValid: %v %v", c.NotAfter, err)
	}
	if _, err := NewSNSFeed(SNSFeedOptions{}); err == nil {
		t.Error("a feed without CertDir was made")
	}
}

func TestPostSNS(t *testing.T) {
	var got http.Header
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		got = r.Header.Clone()
		w.Header().Set("Retry-After", "5")
		w.WriteHeader(http.StatusServiceUnavailable)
	}))
	defer srv.Close()
	body := []byte(`{"Type":"SubscriptionConfirmation","MessageId":"m-1","TopicArn":"arn:t"}`)
	code, h, err := PostSNS(context.Background(), nil, srv.URL+"/sns", body)
	if err != nil || code != http.StatusServiceUnavailable || h.Get("Retry-After") != "5" {
		t.Errorf("PostSNS = %d %v %v", code, h, err)
	}
	want := map[string]string{"X-Amz-Sns-Message-Type": "SubscriptionConfirmation", "X-Amz-Sns-Message-Id": "m-1",
		"X-Amz-Sns-Topic-Arn": "arn:t", "Content-Type": "text/plain; charset=UTF-8", "User-Agent": "Amazon Simple Notification Service Agent"}
	sent := map[string]string{}
	for k := range want {
		sent[k] = got.Get(k)
	}
	if diff := cmp.Diff(want, sent); diff != "" {
		t.Errorf("headers (-want +got):\n%s", diff)
	}
	if _, _, err := PostSNS(context.Background(), nil, srv.URL+"/sns", []byte("not json")); err != nil || got.Get("X-Amz-Sns-Message-Type") != "Notification" {
		t.Errorf("an unparsable body: %v, type %q", err, got.Get("X-Amz-Sns-Message-Type"))
	}
}

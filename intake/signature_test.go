package intake

import (
	"context"
	"errors"
	"fmt"
	"strings"
	"testing"

	"github.com/google/go-cmp/cmp"
)

func TestStringToSign(t *testing.T) {
	for _, tc := range []struct {
		name string
		e    Envelope
		want string
	}{
		{"NotificationWithSubject",
			Envelope{Type: TypeNotification, Message: "a\nb", MessageID: "id", Subject: "s", HasSubject: true, Timestamp: "ts", TopicARN: "arn", Token: "ignored", SubscribeURL: "ignored"},
			"Message\na\nb\nMessageId\nid\nSubject\ns\nTimestamp\nts\nTopicArn\narn\nType\nNotification\n"},
		{"NotificationWithoutSubject",
			Envelope{Type: TypeNotification, Message: "m", MessageID: "id", Subject: "s", Timestamp: "ts", TopicARN: "arn"},
			"Message\nm\nMessageId\nid\nTimestamp\nts\nTopicArn\narn\nType\nNotification\n"},
		{"NotificationWithEmptySubject",
			Envelope{Type: TypeNotification, Message: "m", MessageID: "id", HasSubject: true, Timestamp: "ts", TopicARN: "arn"},
			"Message\nm\nMessageId\nid\nSubject\n\nTimestamp\nts\nTopicArn\narn\nType\nNotification\n"},
		{"SubscriptionConfirmation",
			Envelope{Type: TypeSubscriptionConfirmation, Message: "m", MessageID: "id", Subject: "ignored", HasSubject: true, SubscribeURL: "u", Timestamp: "ts", Token: "tok", TopicARN: "arn"},
			"Message\nm\nMessageId\nid\nSubscribeURL\nu\nTimestamp\nts\nToken\ntok\nTopicArn\narn\nType\nSubscriptionConfirmation\n"},
		{"UnsubscribeConfirmation",
			Envelope{Type: TypeUnsubscribeConfirmation, Message: "m", MessageID: "id", SubscribeURL: "u", Timestamp: "ts", Token: "tok", TopicARN: "arn"},
			"Message\nm\nMessageId\nid\nSubscribeURL\nu\nTimestamp\nts\nToken\ntok\nTopicArn\narn\nType\nUnsubscribeConfirmation\n"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			got, err := StringToSign(tc.e)
			if err != nil {
				t.Fatal(err)
			}
			if diff := cmp.Diff(tc.want, got); diff != "" {
				t.Errorf("StringToSign (-want +got):\n%s", diff)
			}
		})
	}
	t.Run("UnknownType", func(t *testing.T) {
		if _, err := StringToSign(Envelope{Type: "Ping"}); !errors.Is(err, ErrMalformed) {
			t.Errorf("err = %v; want ErrMalformed", err)
		}
	})
}

// signedCases are valid messages of all three types.
func signedCases(tb testing.TB) map[string]map[string]string {
	sub := "https://sns.us-east-2.amazonaws.com/?Action=ConfirmSubscription&TopicArn=" + testTopic + "&Token=2336412f"
	return map[string]map[string]string{
		TypeNotification:             notification(mustRead(tb, "metric-OK-to-ALARM.message.json")),
		TypeSubscriptionConfirmation: confirmation(TypeSubscriptionConfirmation, sub),
		TypeUnsubscribeConfirmation:  confirmation(TypeUnsubscribeConfirmation, sub),
	}
}

func TestVerifier_Verify(t *testing.T) {
	f := mustFixture(t)
	ctx := context.Background()
	for _, version := range []string{"1", "2"} {
		for typ, env := range signedCases(t) {
			t.Run("v"+version+"/"+typ, func(t *testing.T) {
				v := f.verifier(t)
				signed := f.sign(t, version, env)
				if err := v.Verify(ctx, mustParseEnvelope(t, signed), testNow); err != nil {
					t.Fatalf("valid message refused: %v", err)
				}
				for _, tamper := range tampers(typ) {
					t.Run(tamper.name, func(t *testing.T) {
						e := mustParseEnvelope(t, with(signed, tamper.key, tamper.value))
						if err := v.Verify(ctx, e, testNow); !errors.Is(err, ErrSignature) {
							t.Errorf("err = %v; want ErrSignature", err)
						}
					})
				}
			})
		}
	}
}

type tamper struct{ name, key, value string }

// tampers changes one signed field at a time (or the version).
func tampers(typ string) []tamper {
	ts := []tamper{
		{"Message", "Message", "{}"},
		{"MessageId", "MessageId", "00000000-0000-0000-0000-000000000000"},
		{"Timestamp", "Timestamp", "2024-03-06T10:15:46.120Z"},
		{"TopicArn", "TopicArn", otherTopic},
		{"VersionThree", "SignatureVersion", "3"},
		{"SignatureNotBase64", "Signature", "***"},
	}
	if typ == TypeNotification {
		return append(ts, tamper{"Subject", "Subject", "OK: fine"}, tamper{"SubjectRemoved", "Subject", "-"})
	}
	other := TypeSubscriptionConfirmation
	if typ == other {
		other = TypeUnsubscribeConfirmation
	}
	return append(ts, tamper{"Token", "Token", "feedface"},
		tamper{"SubscribeURL", "SubscribeURL", "https://sns.us-east-2.amazonaws.com/?Action=ConfirmSubscription&Token=other"},
		tamper{"Type", "Type", other})
}

func TestVerifier_Verify_versionSwap(t *testing.T) {
	f := mustFixture(t)
	for _, pair := range [][2]string{{"1", "2"}, {"2", "1"}} {
		signed := f.sign(t, pair[0], notification("hello"))
		e := mustParseEnvelope(t, with(signed, "SignatureVersion", pair[1]))
		if err := f.verifier(t).Verify(context.Background(), e, testNow); !errors.Is(err, ErrSignature) {
			t.Errorf("signed v%s, claimed v%s: err = %v; want ErrSignature", pair[0], pair[1], err)
		}
	}
}

func TestVerifier_CheckURL(t *testing.T) {
	f := mustFixture(t)
	for _, tc := range []struct {
		url  string
		want error
	}{
		{"https://sns.us-east-1.amazonaws.com/SimpleNotificationService-1.pem", nil},
		{"https://sns.cn-north-1.amazonaws.com.cn/SimpleNotificationService-1.pem", nil},
		{"https://sns.us-gov-west-1.amazonaws.com/SimpleNotificationService-1.pem", nil},
		{"http://sns.us-east-1.amazonaws.com/SimpleNotificationService-1.pem", ErrUntrustedURL},
		{"https://sns.us-east-1.amazonaws.com.evil.example/SimpleNotificationService-1.pem", ErrUntrustedURL},
		{"https://evil.example/sns.us-east-1.amazonaws.com/SimpleNotificationService-1.pem", ErrUntrustedURL},
		{"https://sns.us-east-1.amazonaws.com@evil.example/x.pem", ErrUntrustedURL},
		{"https://user:pw@sns.us-east-1.amazonaws.com/x.pem", ErrUntrustedURL},
		{"https://sns.us-east-1.amazonaws.com:8443/x.pem", ErrUntrustedURL},
		{"https://sns.us-east-1.amazonaws.com:443/x.pem", ErrUntrustedURL},
		{"https://sns.us-east-1.amazonaws.com/x.crt", ErrUntrustedURL},
		{"https://sns.us-east-1.amazonaws.com/x.pem?x=.pem", ErrUntrustedURL},
		{"https://s3.amazonaws.com/sns/x.pem", ErrUntrustedURL},
		{"https://sns.amazonaws.com/x.pem", ErrUntrustedURL},
		{"https://sns.us-east-1.amazonaws.com.cn.evil.example/x.pem", ErrUntrustedURL},
		{"https://sns.us-east-1.amazonaws.com./x.pem", ErrUntrustedURL},
		{"//sns.us-east-1.amazonaws.com/x.pem", ErrUntrustedURL},
		{"https:sns.us-east-1.amazonaws.com/x.pem", ErrUntrustedURL},
		{"https://sns.us-east-1.amazonaws.com\\@evil.example/x.pem", ErrUntrustedURL},
		{"https://[::1]/x.pem", ErrUntrustedURL},
	} {
		t.Run(tc.url, func(t *testing.T) {
			server := &certServer{status: 200, body: f.pem}
			v := &Verifier{Client: server.client()}
			signed := f.sign(t, "2", with(notification("hi"), "SigningCertURL", tc.url))
			err := v.Verify(context.Background(), mustParseEnvelope(t, signed), testNow)
			if tc.want == nil {
				if err != nil {
					t.Errorf("err = %v; want the certificate fetched and the message accepted", err)
				}
				return
			}
			if !errors.Is(err, tc.want) {
				t.Errorf("err = %v; want %v", err, tc.want)
			}
			if n := server.calls.Load(); n != 0 {
				t.Errorf("%d fetches of a refused URL; want none", n)
			}
		})
	}
}

func TestVerifier_CheckURL_redactsQuery(t *testing.T) {
	err := (&Verifier{}).CheckURL("http://u:secretpw@evil.example/?Token=secrettoken", false)
	if err == nil || strings.Contains(err.Error(), "secret") {
		t.Errorf("err = %v; want a refusal that does not show the token or password", err)
	}
}

func TestVerifier_Verify_minSignatureVersion(t *testing.T) {
	f := mustFixture(t)
	for _, tc := range []struct {
		min     int
		version string
		want    error
	}{
		{0, "1", nil},
		{0, "2", nil},
		{1, "1", nil},
		{1, "2", nil},
		{2, "1", ErrSignatureVersion},
		{2, "2", nil},
		{3, "1", ErrSignatureVersion},
		{3, "2", nil},
		{-1, "1", nil},
		{2, "3", ErrSignature},
	} {
		t.Run(fmt.Sprintf("Min%d/v%s", tc.min, tc.version), func(t *testing.T) {
			signed := f.sign(t, "2", notification("hello"))
			if tc.version == "1" {
				signed = f.sign(t, "1", notification("hello"))
			} else {
				signed["SignatureVersion"] = tc.version
			}
			v := f.verifier(t) // fails the test on any fetch
			v.MinSignatureVersion = tc.min
			err := v.Verify(context.Background(), mustParseEnvelope(t, signed), testNow)
			if !errors.Is(err, tc.want) || (tc.want == nil && err != nil) {
				t.Errorf("err = %v; want %v", err, tc.want)
			}
			if tc.want == ErrSignatureVersion && !strings.Contains(err.Error(), "SignatureVersion attribute to 2") {
				t.Errorf("err = %v; want it to say how to fix the topic", err)
			}
		})
	}
	t.Run("RefusedBeforeAnyFetch", func(t *testing.T) {
		server := &certServer{status: 200, body: f.pem}
		v := &Verifier{Client: server.client(), MinSignatureVersion: 2}
		err := v.Verify(context.Background(), mustParseEnvelope(t, f.sign(t, "1", notification("hello"))), testNow)
		if !errors.Is(err, ErrSignatureVersion) || server.calls.Load() != 0 {
			t.Errorf("err = %v after %d fetches; want ErrSignatureVersion and none", err, server.calls.Load())
		}
	})
}

package intake

import (
	"errors"
	"strings"
	"testing"
	"time"

	"github.com/google/go-cmp/cmp"
)

func TestParseEnvelope(t *testing.T) {
	n := notification(`{"AlarmName":"x"}`)
	sub := confirmation(TypeSubscriptionConfirmation, "https://sns.us-east-2.amazonaws.com/?Action=ConfirmSubscription&Token=abc")
	signed := with(with(n, "SignatureVersion", "1"), "Signature", "c2ln")

	t.Run("Notification", func(t *testing.T) {
		e, err := ParseEnvelope(mustJSON(t, signed))
		if err != nil {
			t.Fatal(err)
		}
		want := Envelope{
			Type: TypeNotification, MessageID: n["MessageId"], TopicARN: testTopic,
			Subject: n["Subject"], HasSubject: true, Message: n["Message"],
			Timestamp: n["Timestamp"], SentAt: time.Date(2024, 3, 6, 10, 15, 45, 120e6, time.UTC),
			UnsubscribeURL: n["UnsubscribeURL"], SignatureVersion: "1", Signature: "c2ln", SigningCertURL: testCertURL,
		}
		if diff := cmp.Diff(want, e); diff != "" {
			t.Errorf("ParseEnvelope (-want +got):\n%s", diff)
		}
	})
	t.Run("LambdaSpellings", func(t *testing.T) {
		body := strings.Replace(string(mustJSON(t, signed)), `"SigningCertURL"`, `"SigningCertUrl"`, 1)
		body = strings.Replace(body, `"UnsubscribeURL"`, `"UnsubscribeUrl"`, 1)
		e, err := ParseEnvelope([]byte(body))
		if err != nil {
			t.Fatal(err)
		}
		if e.SigningCertURL != testCertURL || e.UnsubscribeURL != n["UnsubscribeURL"] {
			t.Errorf("SigningCertUrl/UnsubscribeUrl not read: %+v", e)
		}
	})
	t.Run("NoSubject", func(t *testing.T) {
		e, err := ParseEnvelope(mustJSON(t, with(signed, "Subject", "-")))
		if err != nil || e.HasSubject {
			t.Errorf("HasSubject = %v, err = %v; want false, nil", e.HasSubject, err)
		}
	})
	t.Run("NullSubjectIsAbsent", func(t *testing.T) {
		body := `{"Type":"Notification","MessageId":"m","TopicArn":"t","Subject":null,"Message":"x",` +
			`"Timestamp":"2024-03-06T10:15:45.120Z","SignatureVersion":"1","Signature":"c2ln","SigningCertURL":"u"}`
		e, err := ParseEnvelope([]byte(body))
		if err != nil || e.HasSubject {
			t.Errorf("HasSubject = %v, err = %v; want false, nil", e.HasSubject, err)
		}
	})
	t.Run("EscapesDecoded", func(t *testing.T) {
		e, err := ParseEnvelope(mustJSON(t, with(signed, "Message", "line1\nline2\t\"q\"")))
		if err != nil || e.Message != "line1\nline2\t\"q\"" {
			t.Errorf("Message = %q, err = %v", e.Message, err)
		}
	})

	subSigned := with(with(sub, "SignatureVersion", "2"), "Signature", "c2ln")
	for _, tc := range []struct {
		name string
		body string
		want error
		says string
	}{
		{"Truncated", `{"Type":"Notification",`, ErrMalformed, "not valid JSON"},
		{"NotAnObject", `hello`, ErrRawDelivery, "raw message delivery"},
		{"Empty", ``, ErrRawDelivery, "raw message delivery"},
		{"BareCloudWatch", mustRead(t, "metric-OK-to-ALARM.message.json"), ErrRawDelivery, "no Type"},
		{"UnknownType", string(mustJSON(t, with(signed, "Type", "Ping"))), ErrMalformed, `unknown Type "Ping"`},
		{"MessageNotString", `{"Type":"Notification","Message":{"a":1}}`, ErrMalformed, "field Message"},
		{"NoMessageId", string(mustJSON(t, with(signed, "MessageId", "-"))), ErrMalformed, "no MessageId"},
		{"NoSignature", string(mustJSON(t, with(signed, "Signature", "-"))), ErrMalformed, "no Signature"},
		{"NoSignatureVersion", string(mustJSON(t, with(signed, "SignatureVersion", ""))), ErrMalformed, "no SignatureVersion"},
		{"NoCertURL", string(mustJSON(t, with(signed, "SigningCertURL", "-"))), ErrMalformed, "no SigningCertURL"},
		{"NoToken", string(mustJSON(t, with(subSigned, "Token", "-"))), ErrMalformed, "no Token"},
		{"NoSubscribeURL", string(mustJSON(t, with(subSigned, "SubscribeURL", "-"))), ErrMalformed, "no SubscribeURL"},
		{"BadTimestamp", string(mustJSON(t, with(signed, "Timestamp", "yesterday"))), ErrMalformed, "not ISO-8601"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			_, err := ParseEnvelope([]byte(tc.body))
			if !errors.Is(err, tc.want) || !strings.Contains(err.Error(), tc.says) {
				t.Errorf("err = %v; want %v saying %q", err, tc.want, tc.says)
			}
		})
	}
}

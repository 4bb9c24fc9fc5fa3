package intake

import (
	"encoding/json"
	"errors"
	"strings"
	"testing"
	"unicode/utf8"

	"github.com/tocsin-dev/tocsin/incident"
)

// Seed corpora are also committed under testdata/fuzz/<Name>/.

func FuzzParseEnvelope(f *testing.F) {
	n := with(with(notification(`{"AlarmName":"a"}`), "SignatureVersion", "1"), "Signature", "c2ln")
	for _, env := range []map[string]string{n, with(n, "Subject", "-"),
		with(with(confirmation(TypeSubscriptionConfirmation, "https://sns.us-east-1.amazonaws.com/?Token=t"), "SignatureVersion", "2"), "Signature", "c2ln")} {
		b, _ := json.Marshal(env)
		f.Add(b)
	}
	f.Add([]byte(`{"Type":"Notification","Message":{"a":1}}`))
	f.Add([]byte(`{"AlarmName":"raw"}`))
	f.Add([]byte(`not json`))
	f.Fuzz(func(t *testing.T, body []byte) {
		e, err := ParseEnvelope(body)
		if err != nil {
			if !errors.Is(err, ErrMalformed) && !errors.Is(err, ErrRawDelivery) {
				t.Fatalf("error of no known kind: %v", err)
			}
			return
		}
		s, err := StringToSign(e)
		if err != nil {
			t.Fatalf("parsed envelope has no string to sign: %v", err)
		}
		if !strings.HasPrefix(s, "Message\n"+e.Message+"\n") || !strings.HasSuffix(s, "Type\n"+e.Type+"\n") {
			t.Fatalf("string to sign %q does not start with the Message and end with the Type", s)
		}
	})
}

func FuzzStringToSign(f *testing.F) {
	f.Add(TypeNotification, "msg", "id", "subject", true, "2024-03-06T10:15:45.120Z", testTopic, "", "")
	f.Add(TypeNotification, "a\nb", "id", "", false, "2024-03-06T10:15:45.120Z", testTopic, "", "")
	f.Add(TypeSubscriptionConfirmation, "msg", "id", "", false, "2024-03-06T10:15:45.120Z", testTopic, "tok", "https://x")
	f.Add(TypeUnsubscribeConfirmation, "Message\nx", "id\n", "s", true, "ts", "t", "tok", "u")
	f.Add("Other", "", "", "", false, "", "", "", "")
	f.Fuzz(func(t *testing.T, typ, msg, id, subject string, hasSubject bool, ts, topic, token, subURL string) {
		e := Envelope{Type: typ, Message: msg, MessageID: id, Subject: subject, HasSubject: hasSubject,
			Timestamp: ts, TopicARN: topic, Token: token, SubscribeURL: subURL}
		s, err := StringToSign(e)
		fields := signedFields(e)
		if fields == nil {
			if err == nil {
				t.Fatalf("Type %q: got a string to sign, want an error", typ)
			}
			return
		}
		if err != nil {
			t.Fatal(err)
		}
		var want strings.Builder
		for _, kv := range fields {
			want.WriteString(kv[0] + "\n" + kv[1] + "\n")
		}
		if s != want.String() {
			t.Fatalf("StringToSign = %q; want %q", s, want.String())
		}
		checkJSONRoundTrip(t, e, s)
	})
}

// signedFields is the documented field list, written out independently of
// StringToSign; nil for an unknown type.
func signedFields(e Envelope) [][2]string {
	switch e.Type {
	case TypeNotification:
		out := [][2]string{{"Message", e.Message}, {"MessageId", e.MessageID}}
		if e.HasSubject {
			out = append(out, [2]string{"Subject", e.Subject})
		}
		return append(out, [2]string{"Timestamp", e.Timestamp}, [2]string{"TopicArn", e.TopicARN}, [2]string{"Type", e.Type})
	case TypeSubscriptionConfirmation, TypeUnsubscribeConfirmation:
		return [][2]string{{"Message", e.Message}, {"MessageId", e.MessageID}, {"SubscribeURL", e.SubscribeURL},
			{"Timestamp", e.Timestamp}, {"Token", e.Token}, {"TopicArn", e.TopicARN}, {"Type", e.Type}}
	}
	return nil
}

// checkJSONRoundTrip: the string to sign of the envelope as SNS would send
// it in JSON (escapes and all) is the same once parsed back.
func checkJSONRoundTrip(t *testing.T, e Envelope, want string) {
	env := map[string]string{"Type": e.Type, "MessageId": e.MessageID, "TopicArn": e.TopicARN, "Message": e.Message,
		"Timestamp": e.Timestamp, "Token": e.Token, "SubscribeURL": e.SubscribeURL,
		"SignatureVersion": "2", "Signature": "c2ln", "SigningCertURL": testCertURL}
	if e.HasSubject {
		env["Subject"] = e.Subject
	}
	for _, v := range env {
		if !utf8.ValidString(v) {
			return // JSON cannot carry it unchanged
		}
	}
	b, err := json.Marshal(env)
	if err != nil {
		t.Fatal(err)
	}
	parsed, err := ParseEnvelope(b)
	if err != nil {
		return // a missing field or a bad Timestamp: not a message SNS sends
	}
	if got, err := StringToSign(parsed); err != nil || got != want {
		t.Fatalf("after a JSON round trip: %q, %v; want %q", got, err, want)
	}
}

func FuzzParseAlarm(f *testing.F) {
	for _, name := range []string{"metric-OK-to-ALARM.message.json", "metric-math-INSUFFICIENT_DATA-to-ALARM.message.json",
		"anomaly-band-ALARM-to-OK.message.json", "composite-OK-to-ALARM.message.json", "cwagent-returndata-strings.message.json",
		"log-alarm-OK-to-ALARM.message.json", "eventbridge-alarm-state-change.json", "plain-text.message.txt"} {
		f.Add(mustRead(f, name))
	}
	f.Add(`{"AlarmName":"a","NewStateValue":"ALARM","StateChangeTime":"2024-03-06T10:15:40.002+0000","Trigger":{"Period":1e300,"EvaluationPeriods":"9e18"}}`)
	f.Fuzz(func(t *testing.T, msg string) {
		a, err := ParseAlarm(msg)
		if err != nil {
			if !errors.Is(err, ErrNotAlarm) && !errors.Is(err, incident.ErrInvalid) {
				t.Fatalf("error of no known kind: %v", err)
			}
			return
		}
		switch a.Kind {
		case incident.KindMetric, incident.KindMath, incident.KindAnomaly, incident.KindComposite, incident.KindLog, incident.KindUnknownFmt:
		default:
			t.Fatalf("Kind %q", a.Kind)
		}
		if _, err := incident.ParseState(string(a.State)); err != nil || a.ChangedAt.IsZero() {
			t.Fatalf("accepted alarm with state %q at %s", a.State, a.ChangedAt)
		}
		if start, method := BreachStart(a); start.After(a.ChangedAt) || method == "" {
			t.Fatalf("BreachStart = %s (%q), after the change at %s", start, method, a.ChangedAt)
		}
	})
}

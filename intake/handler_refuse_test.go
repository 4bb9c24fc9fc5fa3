package intake

import (
	"bytes"
	"errors"
	"fmt"
	"net/http"
	"net/http/httptest"
	"strings"
	"testing"
	"time"
)

// refused checks a 4xx: status, reason in the body and the log, a count,
// and nothing handed to the Sink.
func (r *rig) refused(t *testing.T, w *httptest.ResponseRecorder, status int, reason, says string) {
	t.Helper()
	if w.Code != status || !strings.Contains(w.Body.String(), says) {
		t.Errorf("status %d, body %q; want %d saying %q", w.Code, w.Body, status, says)
	}
	if n := r.sink.count(); n != 0 {
		t.Errorf("the sink got %d messages; want none", n)
	}
	if logs := r.logs.String(); !strings.Contains(logs, `msg="sns message refused" reason=`+reason) {
		t.Errorf("log %q lacks the refusal with reason=%s", logs, reason)
	}
}

func TestHandler_refusesTampered(t *testing.T) {
	for _, version := range []string{"1", "2"} {
		for typ, env := range signedCases(t) {
			for _, tamper := range tampers(typ) {
				t.Run(fmt.Sprintf("v%s/%s/%s", version, typ, tamper.name), func(t *testing.T) {
					// Both topics allowed: a changed TopicArn must fail on the signature.
					r := newRig(t, func(c *HandlerConfig) { c.Topics = append(c.Topics, otherTopic) })
					signed := r.f.sign(t, version, env)
					r.refused(t, r.post(t, with(signed, tamper.key, tamper.value)), http.StatusForbidden, "bad_signature", "signature does not verify")
				})
			}
		}
	}
}

func TestHandler_refusesCertURL(t *testing.T) {
	for _, u := range []string{
		"http://sns.us-east-2.amazonaws.com/" + testCertName,
		"https://sns.us-east-1.amazonaws.com.evil.example/" + testCertName,
		"https://evil.example/sns.us-east-1.amazonaws.com/" + testCertName,
		"https://sns.us-east-1.amazonaws.com@evil.example/" + testCertName,
		"https://user@sns.us-east-2.amazonaws.com/" + testCertName,
		"https://sns.us-east-2.amazonaws.com:8443/" + testCertName,
		"https://s3.amazonaws.com/sns/" + testCertName,
		"https://sns.us-east-2.amazonaws.com/certs/" + testCertName,
		"https://sns.us-east-2.amazonaws.com/SimpleNotificationService-local.pem",
		"https://sns.us-east-2.amazonaws.com/attacker.pem",
	} {
		for _, version := range []string{"1", "2"} {
			t.Run("v"+version+"/"+u, func(t *testing.T) {
				r := newRig(t, nil) // its client fails the test on any fetch
				env := r.f.sign(t, version, with(notification("hello"), "SigningCertURL", u))
				r.refused(t, r.post(t, env), http.StatusForbidden, "untrusted_url", "untrusted SNS URL")
			})
		}
	}
}

func TestHandler_refuses(t *testing.T) {
	valid := func(r *rig) map[string]string { return r.f.sign(t, "2", notification("hello")) }
	for _, tc := range []struct {
		name      string
		configure func(*HandlerConfig)
		request   func(t *testing.T, r *rig) *http.Request
		status    int
		reason    string
		says      string
	}{
		{"UnknownTopic", nil, func(t *testing.T, r *rig) *http.Request {
			return snsRequest(t, r.f.sign(t, "2", with(notification("hi"), "TopicArn", otherTopic)))
		}, 403, "unknown_topic", "not in the allow-list"},
		{"EmptyAllowList", func(c *HandlerConfig) { c.Topics = nil }, func(t *testing.T, r *rig) *http.Request {
			return snsRequest(t, valid(r))
		}, 403, "unknown_topic", "not in the allow-list"},
		{"HeaderMismatch", nil, func(t *testing.T, r *rig) *http.Request {
			req := snsRequest(t, valid(r))
			req.Header.Set("x-amz-sns-message-type", TypeSubscriptionConfirmation)
			return req
		}, 400, "type_mismatch", "x-amz-sns-message-type"},
		{"HeaderMissing", nil, func(t *testing.T, r *rig) *http.Request {
			req := snsRequest(t, valid(r))
			req.Header.Del("x-amz-sns-message-type")
			return req
		}, 400, "type_mismatch", "x-amz-sns-message-type"},
		{"Oversized", nil, func(t *testing.T, r *rig) *http.Request {
			return snsRequest(t, r.f.sign(t, "2", notification(strings.Repeat("x", MaxBodyBytes))))
		}, 413, "too_large", "too large"},
		{"MalformedJSON", nil, func(t *testing.T, r *rig) *http.Request {
			return rawRequest(`{"Type":"Notification","MessageId":`, TypeNotification)
		}, 400, "malformed", "not valid JSON"},
		{"RawDeliveryHeader", nil, func(t *testing.T, r *rig) *http.Request {
			req := rawRequest(mustRead(t, "metric-OK-to-ALARM.message.json"), "")
			req.Header.Set("x-amz-sns-rawdelivery", "true")
			return req
		}, 400, "raw_delivery", "raw message delivery must be turned off"},
		{"RawDeliveryBody", nil, func(t *testing.T, r *rig) *http.Request {
			return rawRequest(mustRead(t, "metric-OK-to-ALARM.message.json"), TypeNotification)
		}, 400, "raw_delivery", "raw message delivery must be turned off"},
		{"Get", nil, func(t *testing.T, r *rig) *http.Request {
			return httptest.NewRequest(http.MethodGet, "/sns", nil)
		}, 405, "method", "only POST"},
		{"SignatureVersion1Refused", func(c *HandlerConfig) { c.Verifier.MinSignatureVersion = 2 },
			func(t *testing.T, r *rig) *http.Request {
				return snsRequest(t, r.f.sign(t, "1", notification("hello")))
			},
			403, "signature_version", "SignatureVersion 1 (SHA1withRSA)"},
		{"ExpiredCertificate", func(c *HandlerConfig) { c.Now = func() time.Time { return testNow.AddDate(2, 0, 0) } },
			func(t *testing.T, r *rig) *http.Request { return snsRequest(t, valid(r)) }, 403, "bad_signature", "not at"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			r := newRig(t, tc.configure)
			r.refused(t, r.serve(tc.request(t, r)), tc.status, tc.reason, tc.says)
			typ := "unknown"
			switch tc.reason {
			case "unknown_topic", "type_mismatch", "bad_signature", "signature_version":
				typ = TypeNotification
			}
			if n := r.counted(t, typ, tc.reason); n != 1 {
				t.Errorf("tocsin_sns_messages_total{type=%q,outcome=%q} = %v; want 1", typ, tc.reason, n)
			}
		})
	}
}

func snsRequest(t *testing.T, env map[string]string) *http.Request {
	t.Helper()
	return rawRequest(string(mustJSON(t, env)), env["Type"])
}

func rawRequest(body, typ string) *http.Request {
	req := httptest.NewRequest(http.MethodPost, "/sns", bytes.NewReader([]byte(body)))
	if typ != "" {
		req.Header.Set("x-amz-sns-message-type", typ)
	}
	return req
}

func TestHandler_subscribeURLRefusedWithoutFetch(t *testing.T) {
	s, calls := confirmServer(t, http.StatusOK)
	r := newRig(t, nil) // production host policy: the test server is not SNS
	sub := s.URL + "/?Action=ConfirmSubscription&Token=secrettoken"
	env := r.f.sign(t, "1", confirmation(TypeSubscriptionConfirmation, sub))
	r.refused(t, r.post(t, env), http.StatusForbidden, "untrusted_url", "not an SNS host")
	if n := calls.Load(); n != 0 {
		t.Errorf("%d requests reached the SubscribeURL host; want none", n)
	}
	if strings.Contains(r.logs.String(), "secrettoken") {
		t.Errorf("the subscription token was logged: %s", r.logs)
	}
}

func TestHandler_unavailable(t *testing.T) {
	for _, tc := range []struct {
		name       string
		sinkErr    error
		retryAfter time.Duration
		wantAfter  string
	}{
		{"SinkError", errors.New("bolt: timeout"), 0, ""},
		{"Overloaded", fmt.Errorf("queue full: %w", ErrOverloaded), 0, "20"},
		{"OverloadedConfigured", ErrOverloaded, 5 * time.Second, "5"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			r := newRig(t, func(c *HandlerConfig) { c.RetryAfter = tc.retryAfter })
			r.sink.err = tc.sinkErr
			w := r.post(t, r.f.sign(t, "2", notification(mustRead(t, "metric-OK-to-ALARM.message.json"))))
			if w.Code != http.StatusServiceUnavailable || w.Header().Get("Retry-After") != tc.wantAfter {
				t.Errorf("status %d, Retry-After %q; want 503, %q", w.Code, w.Header().Get("Retry-After"), tc.wantAfter)
			}
			if strings.Contains(w.Body.String(), "bolt") || !strings.Contains(r.logs.String(), "level=ERROR") {
				t.Errorf("internals shown (%q) or nothing logged (%q)", w.Body, r.logs)
			}
		})
	}
	t.Run("NoSink", func(t *testing.T) {
		r := newRig(t, func(c *HandlerConfig) { c.Sink = nil })
		if w := r.post(t, r.f.sign(t, "2", notification("hi"))); w.Code != http.StatusServiceUnavailable {
			t.Errorf("status %d; want 503", w.Code)
		}
	})
	t.Run("CertificateUnavailable", func(t *testing.T) {
		r := newRig(t, func(c *HandlerConfig) { c.Verifier = &Verifier{Client: (&certServer{status: 500}).client()} })
		if w := r.post(t, r.f.sign(t, "2", notification("hi"))); w.Code != http.StatusServiceUnavailable {
			t.Errorf("status %d; want 503", w.Code)
		}
	})
	t.Run("SubscribeURLFails", func(t *testing.T) {
		s, calls := confirmServer(t, http.StatusInternalServerError)
		r := newRig(t, allowServer(s))
		env := r.f.sign(t, "2", confirmation(TypeSubscriptionConfirmation, s.URL+"/?Action=ConfirmSubscription&Token=secrettoken"))
		if w := r.post(t, env); w.Code != http.StatusServiceUnavailable || calls.Load() != 1 {
			t.Errorf("status %d after %d GETs; want 503 after 1", w.Code, calls.Load())
		}
		if strings.Contains(r.logs.String(), "secrettoken") {
			t.Errorf("the subscription token was logged: %s", r.logs)
		}
	})
}

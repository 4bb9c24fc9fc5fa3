package intake

import (
	"bytes"
	"fmt"
	"net/http"
	"net/http/httptest"
	"net/url"
	"strings"
	"sync/atomic"
	"testing"
	"time"

	"github.com/google/go-cmp/cmp"
	"github.com/prometheus/client_golang/prometheus"

	"github.com/tocsin-dev/tocsin/incident"
	"github.com/tocsin-dev/tocsin/logtest"
)

// rig is a handler wired to fakes.
type rig struct {
	f    *fixture
	sink *fakeSink
	logs *logtest.Buffer
	reg  *prometheus.Registry
	h    http.Handler
}

func newRig(t *testing.T, configure func(*HandlerConfig)) *rig {
	t.Helper()
	log, logs := newLogger()
	r := &rig{f: mustFixture(t), sink: &fakeSink{}, logs: logs, reg: prometheus.NewRegistry()}
	cfg := HandlerConfig{
		Verifier: r.f.verifier(t), Topics: []string{testTopic}, Sink: r.sink, Client: noFetch(t),
		Logger: log, Registerer: r.reg, Now: func() time.Time { return testNow },
	}
	if configure != nil {
		configure(&cfg)
	}
	r.h = NewHandler(cfg)
	return r
}

// post sends env as SNS would: its Type in the header.
func (r *rig) post(t *testing.T, env map[string]string) *httptest.ResponseRecorder {
	t.Helper()
	req := httptest.NewRequest(http.MethodPost, "/sns", bytes.NewReader(mustJSON(t, env)))
	req.Header.Set("Content-Type", "text/plain; charset=UTF-8")
	req.Header.Set("x-amz-sns-message-type", env["Type"])
	return r.serve(req)
}

func (r *rig) serve(req *http.Request) *httptest.ResponseRecorder {
	w := httptest.NewRecorder()
	r.h.ServeHTTP(w, req)
	return w
}

// counted returns tocsin_sns_messages_total{type,outcome}.
func (r *rig) counted(t *testing.T, typ, outcome string) float64 {
	t.Helper()
	families, err := r.reg.Gather()
	if err != nil {
		t.Fatal(err)
	}
	for _, fam := range families {
		for _, m := range fam.GetMetric() {
			labels := map[string]string{}
			for _, l := range m.GetLabel() {
				labels[l.GetName()] = l.GetValue()
			}
			if fam.GetName() == "tocsin_sns_messages_total" && labels["type"] == typ && labels["outcome"] == outcome {
				return m.GetCounter().GetValue()
			}
		}
	}
	return 0
}

// confirmServer is an https SNS stand-in that answers SubscribeURL GETs.
func confirmServer(t *testing.T, status int) (*httptest.Server, *atomic.Int32) {
	var calls atomic.Int32
	s := httptest.NewTLSServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		calls.Add(1)
		w.WriteHeader(status)
		fmt.Fprintf(w, `<ConfirmSubscriptionResponse xmlns="http://sns.amazonaws.com/doc/2010-03-31/"><ConfirmSubscriptionResult><SubscriptionArn>%s:c9135db0</SubscriptionArn></ConfirmSubscriptionResult><ResponseMetadata><RequestId>075ecce8</RequestId></ResponseMetadata></ConfirmSubscriptionResponse>`, testTopic)
	}))
	t.Cleanup(s.Close)
	return s, &calls
}

// allowServer lets the handler fetch from s, as tests (only) may.
func allowServer(s *httptest.Server) func(*HandlerConfig) {
	return func(cfg *HandlerConfig) {
		host := strings.TrimPrefix(s.URL, "https://")
		cfg.Verifier.HostAllowed = func(h string) bool { return h == host || AWSHost(h) }
		cfg.Client = s.Client()
	}
}

func TestHandler_accepts(t *testing.T) {
	for _, version := range []string{"1", "2"} {
		t.Run("v"+version+"/Notification", func(t *testing.T) {
			r := newRig(t, nil)
			env := r.f.sign(t, version, notification(mustRead(t, "metric-OK-to-ALARM.message.json")))
			if w := r.post(t, env); w.Code != http.StatusOK {
				t.Fatalf("status %d (%s); want 200", w.Code, w.Body)
			}
			if len(r.sink.alarms) != 1 {
				t.Fatalf("sink got %d alarms; want 1", len(r.sink.alarms))
			}
			a := r.sink.alarms[0]
			got := []any{a.MessageID, a.TopicARN, a.FoundBy, a.BreachStart, a.StartMethod, a.State}
			want := []any{env["MessageId"], testTopic, "sns", at("2021-12-19T23:01:00Z"), MethodReason, incident.StateAlarm}
			if diff := cmp.Diff(want, got); diff != "" {
				t.Errorf("alarm (-want +got):\n%s", diff)
			}
			if n := r.counted(t, TypeNotification, "alarm"); n != 1 {
				t.Errorf("counted %v alarms; want 1", n)
			}
		})
		t.Run("v"+version+"/SubscriptionConfirmation", func(t *testing.T) {
			s, calls := confirmServer(t, http.StatusOK)
			r := newRig(t, allowServer(s))
			sub := s.URL + "/?Action=ConfirmSubscription&TopicArn=" + url.QueryEscape(testTopic) + "&Token=secrettoken"
			if w := r.post(t, r.f.sign(t, version, confirmation(TypeSubscriptionConfirmation, sub))); w.Code != http.StatusOK {
				t.Fatalf("status %d (%s); want 200", w.Code, w.Body)
			}
			logs := r.logs.String()
			if calls.Load() != 1 || !strings.Contains(logs, "subscription_arn="+testTopic+":c9135db0") {
				t.Errorf("%d GETs, logs %q; want one GET and the SubscriptionArn logged", calls.Load(), logs)
			}
			if strings.Contains(logs, "secrettoken") || r.sink.count() != 0 {
				t.Errorf("token logged or sink called: %q", logs)
			}
		})
		t.Run("v"+version+"/UnsubscribeConfirmation", func(t *testing.T) {
			r := newRig(t, nil)
			env := r.f.sign(t, version, confirmation(TypeUnsubscribeConfirmation, "https://sns.us-east-2.amazonaws.com/?Action=ConfirmSubscription&Token=x"))
			if w := r.post(t, env); w.Code != http.StatusOK {
				t.Fatalf("status %d (%s); want 200", w.Code, w.Body)
			}
			want := []Notice{{MessageID: env["MessageId"], TopicARN: testTopic, Text: env["Message"]}}
			if diff := cmp.Diff(want, r.sink.notices); diff != "" {
				t.Errorf("notices (-want +got):\n%s", diff)
			}
			if !strings.Contains(r.logs.String(), `level=WARN msg="sns subscription deactivated"`) {
				t.Errorf("no warning logged: %s", r.logs)
			}
		})
	}
}

func TestHandler_notices(t *testing.T) {
	for _, tc := range []struct{ name, msg, log string }{
		{"PlainText", mustRead(t, "plain-text.message.txt"), ""},
		{"EventBridge", mustRead(t, "eventbridge-alarm-state-change.json"), ""},
		{"InvalidAlarm", `{"AlarmName":"a","NewStateValue":"FIRE"}`, "cloudwatch alarm not understood"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			r := newRig(t, nil)
			env := r.f.sign(t, "2", notification(tc.msg))
			if w := r.post(t, env); w.Code != http.StatusOK {
				t.Fatalf("status %d (%s); want 200", w.Code, w.Body)
			}
			want := []Notice{{MessageID: env["MessageId"], TopicARN: testTopic, Subject: env["Subject"], Text: tc.msg}}
			if diff := cmp.Diff(want, r.sink.notices); diff != "" || len(r.sink.alarms) != 0 {
				t.Errorf("notices (-want +got):\n%s", diff)
			}
			if !strings.Contains(r.logs.String(), tc.log) {
				t.Errorf("log %q does not say %q", r.logs, tc.log)
			}
		})
	}
}

func TestNewHandler_sharedRegistry(t *testing.T) {
	r := newRig(t, nil)
	second := NewHandler(HandlerConfig{Verifier: r.f.verifier(t), Topics: []string{testTopic}, Sink: r.sink,
		Registerer: r.reg, Now: func() time.Time { return testNow }})
	for _, h := range []http.Handler{r.h, second} {
		w := httptest.NewRecorder()
		h.ServeHTTP(w, snsRequest(t, r.f.sign(t, "1", notification("hello"))))
		if w.Code != http.StatusOK {
			t.Fatalf("status %d; want 200", w.Code)
		}
	}
	if n := r.counted(t, TypeNotification, "notice"); n != 2 {
		t.Errorf("counted %v notices across both handlers; want 2", n)
	}
}

package e2e

import (
	"encoding/json"
	"fmt"
	"net/http"
	"net/http/httptest"
	"strings"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/tocsin-dev/tocsin/incident"
)

func TestSNS_RedeliveredHundredTimes(t *testing.T) {
	h := Start(t, Options{})
	body := h.Notification("11111111-2222-3333-4444-555555555555", AlarmMessage("api-5xx", "api", "ALARM", "OK", time.Now().Add(-time.Minute)))
	var wg sync.WaitGroup
	for i := 0; i < 100; i++ {
		wg.Add(1)
		go func() {
			defer wg.Done()
			if code := h.PostSNS(body); code != 200 {
				t.Errorf("status %d", code)
			}
		}()
	}
	wg.Wait()
	incs := h.Incidents()
	if len(incs) != 1 {
		t.Fatalf("incidents = %d, want 1", len(incs))
	}
	v := h.Incident(incs[0].ID)
	alarmEvents := 0
	for _, e := range v.Timeline {
		if e.Datum("message_id") != "" {
			alarmEvents++
		}
	}
	if alarmEvents != 1 || !v.Verified {
		t.Errorf("events carrying the message = %d (want 1), verified %v", alarmEvents, v.Verified)
	}
	if inc := v.Incident; inc.Status != incident.StatusDetected || inc.Service != "api" || inc.Severity != incident.SEV2 || inc.StartMethod == "" {
		t.Errorf("incident = %+v", inc)
	}
}

// TestSNS_Storm sends thousands of signed notifications for hundreds of
// alarms of a few services, with redeliveries, concurrently.
func TestSNS_Storm(t *testing.T) {
	h := Start(t, Options{})
	const services, alarmsPer, redeliver = 4, 75, 3 // 300 alarms, 900+ deliveries
	t0 := time.Now().Add(-10 * time.Minute)
	var bodies [][]byte
	for s := 0; s < services; s++ {
		for a := 0; a < alarmsPer; a++ {
			name := fmt.Sprintf("svc%d-alarm%03d", s, a)
			b := h.Notification(fmt.Sprintf("msg-%d-%d", s, a), AlarmMessage(name, fmt.Sprintf("svc%d", s), "ALARM", "OK", t0.Add(time.Duration(a)*time.Second)))
			for r := 0; r < redeliver; r++ {
				bodies = append(bodies, b)
			}
		}
	}
	work := make(chan []byte)
	var wg sync.WaitGroup
	for w := 0; w < 32; w++ {
		wg.Add(1)
		go func() {
			defer wg.Done()
			for b := range work {
				if code := h.PostSNS(b); code != 200 {
					t.Errorf("status %d", code)
				}
			}
		}()
	}
	for _, b := range bodies {
		work <- b
	}
	close(work)
	wg.Wait()
	incs := h.Incidents()
	if len(incs) != services {
		t.Fatalf("incidents = %d, want %d (one per service)", len(incs), services)
	}
	for _, inc := range incs {
		v := h.Incident(inc.ID)
		n := 0
		for _, e := range v.Timeline {
			if e.Datum("message_id") != "" {
				n++
			}
		}
		if n != alarmsPer || len(v.Incident.Alarms) != alarmsPer || !v.Verified {
			t.Errorf("%s: %d alarm events, %d alarms linked, verified %v; want %d each", inc.ID, n, len(v.Incident.Alarms), v.Verified, alarmsPer)
		}
	}
}

// TestSNS_LocallyServedCertificate: with no certificate in
// TOCSIN_SNS_CERT_DIR, tocsin fetches it from the SigningCertURL, here a
// local HTTPS server that Options.HostAllowed lets it reach and
// Options.HTTP trusts; once, and only from the allowed host.
func TestSNS_LocallyServedCertificate(t *testing.T) {
	var cert atomic.Pointer[[]byte]
	var fetches atomic.Int64
	srv := httptest.NewTLSServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		fetches.Add(1)
		w.Write(*cert.Load())
	}))
	t.Cleanup(srv.Close)
	host := strings.TrimPrefix(srv.URL, "https://")
	h := Start(t, Options{HTTP: srv.Client(), HostAllowed: func(hostport string) bool { return hostport == host },
		Env: map[string]string{"TOCSIN_SNS_CERT_DIR": t.TempDir()}})
	pem := h.SNS.Certificate()
	cert.Store(&pem)
	signed := func(msgID, certURL string) []byte {
		env, err := h.SNS.Sign("2", map[string]string{"Type": "Notification", "MessageId": msgID, "TopicArn": Topic,
			"Subject": "ALARM", "Message": AlarmMessage("api-5xx", "api", "ALARM", "OK", time.Now().Add(-time.Minute)),
			"Timestamp": time.Now().UTC().Format("2006-01-02T15:04:05.000Z")})
		if err != nil {
			t.Fatal(err)
		}
		env["SigningCertURL"] = certURL
		b, _ := json.Marshal(env)
		return b
	}
	if code := h.PostSNS(signed("local-1", srv.URL+"/SimpleNotificationService-0123456789abcdef0123456789abcdef.pem")); code != http.StatusOK {
		t.Fatalf("notification signed with a locally served certificate: status %d, want 200", code)
	}
	if code := h.PostSNS(signed("local-2", srv.URL+"/SimpleNotificationService-0123456789abcdef0123456789abcdef.pem")); code != http.StatusOK {
		t.Fatalf("second notification: status %d, want 200", code)
	}
	if n := fetches.Load(); n != 1 {
		t.Errorf("certificate fetched %d times, want once", n)
	}
	other := "https://127.0.0.1:1/SimpleNotificationService-0123456789abcdef0123456789abcdef.pem" // a host HostAllowed does not name
	if code := h.PostSNS(signed("local-3", other)); code < 400 || code >= 500 {
		t.Errorf("certificate on a host not allowed: status %d, want 4xx", code)
	}
	if incs := h.Incidents(); len(incs) != 1 || len(h.Incident(incs[0].ID).Timeline) != 2 {
		t.Errorf("incidents = %+v; want one, with the two accepted notifications", incs)
	}
}

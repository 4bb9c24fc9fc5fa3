package webhook

import (
	"context"
	"encoding/json"
	"net/http"
	"net/http/httptest"
	"strings"
	"testing"

	"github.com/tocsin-dev/tocsin/incident"
)

func TestPager_Page(t *testing.T) {
	var got Body
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		json.NewDecoder(r.Body).Decode(&got)
		if r.URL.Path == "/down" {
			w.WriteHeader(http.StatusBadGateway)
		}
	}))
	defer srv.Close()
	inc := incident.Incident{ID: 7, Title: "checkout down", Severity: incident.SEV1, Status: incident.StatusDetected,
		Channel: incident.Channel{Name: "inc-7-checkout-down"}}
	secret := srv.URL + "/hooks/SECRET-TOKEN-123"
	if err := New(secret).Page(context.Background(), inc, 1); err != nil {
		t.Fatal(err)
	}
	if got.Incident != "INC-7" || got.Step != 2 || got.Severity != "SEV1" || got.Channel != "inc-7-checkout-down" {
		t.Errorf("page body = %+v", got)
	}
	for _, url := range []string{srv.URL + "/down?key=SECRET-TOKEN-123", "http://127.0.0.1:1/hooks/SECRET-TOKEN-123"} {
		err := New(url).Page(context.Background(), inc, 0)
		if err == nil || strings.Contains(err.Error(), "SECRET-TOKEN-123") {
			t.Errorf("error %v: want a failure that does not reveal the webhook URL", err)
		}
	}
	if New("") != nil {
		t.Error("a pager without a webhook")
	}
}

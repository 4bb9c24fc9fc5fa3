package e2e

import (
	"context"
	"fmt"
	"net/http"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/tocsin-dev/tocsin/sim"
)

// TestFault_Overload: with the outbox bound at 5 effects and Slack stalled
// (channel creations unanswered), a storm of alarms fills it. tocsin then
// sheds load: new alarms get 503 with Retry-After (SNS retries them),
// /readyz says it is overloaded, and nothing already answered 200 is
// dropped, not even by a SIGKILL while the outbox is full. Once the outbox
// drains it is ready again and the redelivered alarms are taken, each
// exactly once.
func TestFault_Overload(t *testing.T) {
	t.Parallel()
	eachBackend(t, func(t *testing.T, db func(*testing.T) string) {
		s := Start(t, faultOptions(faultOpts{db: db(t), slack: sim.SlackOptions{Latency: 50 * time.Millisecond},
			env: map[string]string{"TOCSIN_MAX_PENDING": "5"}}))
		stalled := make(chan struct{}) // Slack takes channels but does not answer until the burst is over
		s.Slack.OnCall("conversations.create", func(sim.SlackCall) { <-stalled })
		release := sync.OnceFunc(func() { close(stalled) })
		t.Cleanup(release)
		var accepted, shed []string
		overloaded := false
		for i := 0; !overloaded; i++ { // the storm goes on until tocsin says it is overloaded
			if i == 12 {
				t.Fatalf("12 alarms with Slack stalled did not overload an outbox bound at 5: accepted %v, shed %v", accepted, shed)
			}
			id := fmt.Sprintf("fload-%d", i)
			code, header, err := sim.PostSNS(context.Background(), nil, s.URL+"/sns", s.AlarmBody(id, fmt.Sprintf("svc%d", i)))
			if err != nil {
				t.Fatal(err)
			}
			switch code {
			case 200:
				accepted = append(accepted, id)
			case http.StatusServiceUnavailable:
				shed = append(shed, id)
				if header.Get("Retry-After") == "" {
					t.Errorf("%s: 503 without Retry-After", id)
				}
			default:
				t.Errorf("%s: status %d; want 200, or 503 when overloaded", id, code)
			}
			overloaded = isOverloaded(s)
			if overloaded { // and stays so: what is left pending waits for the stalled Slack
				time.Sleep(300 * time.Millisecond)
				overloaded = isOverloaded(s)
			}
		}
		if code := s.Alarm("fload-late", "late"); code != http.StatusServiceUnavailable {
			t.Errorf("a new alarm while /readyz says overloaded: status %d, want 503", code)
		}
		shed = append(shed, "fload-late")
		if len(accepted) == 0 {
			t.Fatalf("accepted %v, shed %v: the storm should both fill the outbox and be shed past it", accepted, shed)
		}
		release()
		s.Restart() // with the outbox full
		on := messageCounts(t, s)
		for _, id := range accepted { // nothing answered 200 is dropped, even while shedding
			if on[id] != 1 {
				t.Errorf("%s was answered 200 but is on the timelines %d times", id, on[id])
			}
		}
		s.WaitFor("the outbox to drain and /readyz to recover", func() bool { code, _ := s.Readyz(); return code == 200 })
		for _, id := range shed { // SNS redelivers
			service := "late"
			if n, ok := strings.CutPrefix(id, "fload-"); ok && n != "late" {
				service = "svc" + n
			}
			s.WaitFor("SNS's redelivery of "+id+" to be taken", func() bool { return s.Alarm(id, service) == 200 })
		}
		for i := range len(accepted) + len(shed) {
			s.WaitHeader(i + 1)
		}
		checkNoDuplicates(t, s, append(accepted, shed...)...)
	})
}

// isOverloaded reports whether /readyz says tocsin is shedding load.
func isOverloaded(s *Harness) bool {
	code, body := s.Readyz()
	return code == http.StatusServiceUnavailable && strings.Contains(body, "overloaded")
}

package e2e

import (
	"fmt"
	"net/http"
	"strings"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/tocsin-dev/tocsin/incident"
	"github.com/tocsin-dev/tocsin/pgstore/pgtest"
	"github.com/tocsin-dev/tocsin/sim"
)

// stormInstance is the instance the storm's pre-approved runbook runs on.
const stormInstance = "i-0570e4a000000000b"

// stormDiag runs by itself on every incident of the storm (auto_run_on),
// so that each failover can catch a leader between SendCommand and its
// record.
const stormDiag = `name: storm-diag
description: Uptime on the storm instance.
kind: command
document: AWS-RunShellScript
targets:
  instance_ids: [` + stormInstance + `]
parameters:
  commands: ["uptime"]
  executionTimeout: "1"
timeout: 30s
approval: none
auto_run_on: ["storm-*"]
`

// cluster is replicas of one tocsin on one PostgreSQL database, some of
// which the test kills.
type cluster struct {
	t        *testing.T
	mu       sync.Mutex
	live     []*Harness
	failover []time.Duration // from each kill of the leader to the next leader
	waits    sync.WaitGroup
}

// leader is the live replica whose /metrics says it leads, or nil.
func (c *cluster) leader() *Harness {
	c.mu.Lock()
	defer c.mu.Unlock()
	return c.leaderLocked()
}

func (c *cluster) leaderLocked() *Harness {
	for _, r := range c.live {
		if leading(r) {
			return r
		}
	}
	return nil
}

// killLeader SIGKILLs the replica that leads and, in the background, times
// how long the others take to elect the next one. It may run in a
// stand-in's hook.
func (c *cluster) killLeader() {
	c.mu.Lock()
	defer c.mu.Unlock()
	l := c.leaderLocked()
	if l == nil {
		c.t.Error("no replica leads when the leader is to be killed")
		return
	}
	l.Kill()
	killed := time.Now()
	var rest []*Harness
	for _, r := range c.live {
		if r != l {
			rest = append(rest, r)
		}
	}
	c.live = rest
	c.waits.Add(1)
	go func() {
		defer c.waits.Done()
		for time.Since(killed) < waitLimit {
			if c.leader() != nil {
				c.mu.Lock()
				c.failover = append(c.failover, time.Since(killed))
				c.mu.Unlock()
				return
			}
			time.Sleep(20 * time.Millisecond)
		}
	}()
}

// deliver sends body to the live replicas in turn, starting with the n-th,
// as a load balancer in front of them would and as SNS redelivers, until
// one answers 200; it reports whether one did.
func (c *cluster) deliver(n int, body []byte) bool {
	for attempt := range 100 {
		c.mu.Lock()
		r := c.live[(n+attempt)%len(c.live)]
		c.mu.Unlock()
		if r.PostSNS(body) == http.StatusOK {
			return true
		}
		time.Sleep(50 * time.Millisecond)
	}
	return false
}

// TestPostgres_StormFailover runs three replicas as real processes on one
// PostgreSQL database behind a round-robin sender and sends them an alarm
// storm of signed SNS messages (with redeliveries). Mid-storm the leader is
// SIGKILLed while it sends an SSM command (the storm's runbook runs by
// itself on each incident), then the next leader while it calls Slack.
// After the storm: every acknowledged MessageId is on exactly one
// timeline, once; one incident per service; one channel per incident with
// one pinned header and no message posted twice; one SSM command per
// incident; a new leader within 10 seconds of each kill; every hash chain
// verifies.
func TestPostgres_StormFailover(t *testing.T) {
	dbURL := pgtest.FreshSchema(t)
	aws := &sim.AWS{
		SSM:        sim.NewSSM(sim.SSMOptions{Instances: []string{stormInstance}, PendingFor: 50 * time.Millisecond, RunFor: 300 * time.Millisecond}),
		CloudWatch: sim.NewCloudWatch(sim.CloudWatchOptions{}),
	}
	first := Start(t, Options{Child: true, Slack: &sim.SlackOptions{}, AWS: aws,
		Runbooks: map[string]string{"storm-diag.yaml": stormDiag}, Env: map[string]string{"TOCSIN_DB": dbURL}})
	c := &cluster{t: t, live: []*Harness{first, first.Replica(), first.Replica()}}
	first.WaitFor("a leader", func() bool { return c.leader() != nil })

	// The first kill: the leader, in the middle of the storm's second
	// SendCommand. The second: the next leader, at its next Slack call.
	var sends atomic.Int32
	var armed atomic.Bool
	aws.SSM.OnCall("SendCommand", func(sim.SSMCall) {
		if sends.Add(1) == 2 {
			c.killLeader()
			go func() {
				first.WaitFor("the first failover", func() bool { return c.leader() != nil })
				armed.Store(true)
			}()
		}
	})
	for _, m := range []string{"chat.postMessage", "chat.update", "conversations.create"} {
		first.OnSlack(m, func(sim.SlackCall) {
			if armed.CompareAndSwap(true, false) {
				c.killLeader()
			}
		})
	}

	const services, alarmsPer, redeliveries = 6, 40, 30
	var storm []stormMessage
	at := time.Now().Add(-time.Minute)
	for i := range services * alarmsPer {
		svc, id := fmt.Sprintf("svc%d", i%services), fmt.Sprintf("storm-%03d", i)
		msg := AlarmMessage(fmt.Sprintf("storm-%s-%02d", svc, i/services), svc, sim.CWStateAlarm, sim.CWStateOK, at)
		storm = append(storm, stormMessage{id, first.Notification(id, msg)})
		if i%(services*alarmsPer/redeliveries) == 0 {
			storm = append(storm, storm[len(storm)-1]) // SNS delivers it twice
		}
	}
	acked := sendStorm(t, c, storm, 40)
	c.waits.Wait()

	if len(c.failover) != 2 {
		t.Fatalf("%d failovers happened, want 2 (the kills fired: SendCommand %d times)", len(c.failover), sends.Load())
	}
	for i, d := range c.failover {
		t.Logf("kill %d: a new leader after %s", i+1, d.Round(10*time.Millisecond))
		if d > 10*time.Second {
			t.Errorf("kill %d: a new leader after %s, want within 10 s", i+1, d.Round(time.Second))
		}
	}
	survivor := c.live[0]
	checkStormOutcome(t, survivor, acked, services)
}

// stormMessage is one delivery of the storm.
type stormMessage struct {
	id   string // its MessageId
	body []byte // the signed notification
}

// sendStorm delivers the storm through c at about rate a second from 8
// senders and returns the MessageIds acknowledged.
func sendStorm(t *testing.T, c *cluster, storm []stormMessage, rate int) map[string]bool {
	var mu sync.Mutex
	acked := map[string]bool{}
	work := make(chan int)
	var wg sync.WaitGroup
	for range 8 {
		wg.Go(func() {
			for n := range work {
				if !c.deliver(n, storm[n].body) {
					t.Errorf("message %s was never acknowledged", storm[n].id)
					continue
				}
				mu.Lock()
				acked[storm[n].id] = true
				mu.Unlock()
			}
		})
	}
	tick := time.NewTicker(time.Second / time.Duration(rate))
	for n := range storm {
		<-tick.C
		work <- n
	}
	tick.Stop()
	close(work)
	wg.Wait()
	return acked
}

// checkStormOutcome waits for the survivor to finish the storm's work and
// checks what it left in the store, Slack and SSM.
func checkStormOutcome(t *testing.T, s *Harness, acked map[string]bool, services int) {
	t.Helper()
	var incs []incident.Incident
	s.WaitFor("every incident's channel, header and finished run", func() bool {
		incs = s.Incidents()
		if len(incs) < services {
			return false
		}
		for _, inc := range incs {
			ch, ok := s.ChannelOf(int(inc.ID))
			if !ok {
				return false
			}
			if _, ok := s.PinnedHeader(ch.ID, int(inc.ID)); !ok || len(s.Events(inc.ID, runStep("finished"))) == 0 {
				return false
			}
		}
		return true
	})
	s.Settle()
	incs = s.Incidents()
	keys := map[string]int{}
	onTimeline := map[string]int{}
	for _, inc := range incs {
		keys[inc.GroupKey]++
		v := s.Incident(inc.ID)
		if !v.Verified {
			t.Errorf("%s: the hash chain does not verify", inc.ID)
		}
		for _, e := range v.Timeline {
			if id := e.Datum("message_id"); id != "" {
				onTimeline[id]++
			}
		}
		if n := len(s.Events(inc.ID, runStep("started"))); n != 1 {
			t.Errorf("%s: the runbook started %d times, want 1", inc.ID, n)
		}
	}
	if len(incs) != services || len(keys) != services {
		t.Errorf("%d incidents for %d group keys, want %d of each", len(incs), len(keys), services)
	}
	for id := range acked {
		if onTimeline[id] != 1 {
			t.Errorf("acknowledged MessageId %s is on the timelines %d times, want 1", id, onTimeline[id])
		}
	}
	for id, n := range onTimeline {
		if !acked[id] {
			t.Errorf("MessageId %s is on the timelines %d times but was never acknowledged", id, n)
		}
	}
	if sends, _ := ssmCalls(s, "SendCommand"); sends != len(incs) {
		t.Errorf("SendCommand was called %d times for %d incidents: a command was sent twice", sends, len(incs))
	}
	checkStormSlack(t, s, len(incs))
}

// checkStormSlack checks one channel per incident, one pinned header in
// each, and no message posted twice.
func checkStormSlack(t *testing.T, s *Harness, incidents int) {
	t.Helper()
	names := map[string]bool{}
	chans := 0
	for _, ch := range s.Slack.Channels() {
		if !strings.HasPrefix(ch.Name, "inc-") {
			continue
		}
		if names[ch.Name] {
			t.Errorf("channel %s made twice", ch.Name)
			continue
		}
		names[ch.Name] = true
		chans++
		pinned, posted := 0, map[string]int{}
		for _, m := range s.Slack.Messages(ch.ID) {
			if m.Pinned {
				pinned++
			}
			posted[m.ThreadTS+"\x00"+m.Text+"\x00"+string(m.Blocks)]++
		}
		if pinned != 1 {
			t.Errorf("#%s has %d pinned headers, want 1", ch.Name, pinned)
		}
		for m, n := range posted {
			if n > 1 {
				t.Errorf("#%s: a message was posted %d times: %.200q", ch.Name, n, m)
			}
		}
	}
	if chans != incidents {
		t.Errorf("%d incident channels for %d incidents", chans, incidents)
	}
}

package main

import (
	"errors"
	"fmt"
	mrand "math/rand/v2"
	"path/filepath"
	"runtime"
	"slices"
	"sort"
	"strings"
	"sync"
	"time"

	"github.com/tocsin-dev/tocsin/sim"
)

// The storm's SNS topic, the namespace its alarms watch (the storm
// playbook's), and the one of -unowned alarms (no playbook's: the built-in
// default takes them, one incident per alarm until the storm guard).
const (
	stormTopic       = "arn:aws:sns:us-east-1:123456789012:tocsin-storm"
	stormNamespace   = "Bench/Storm"
	unownedNamespace = "Bench/Unowned"
)

// message is one distinct notification: one state change of one alarm.
type message struct {
	id        string
	service   string
	alarm     string
	state     string
	old       string
	changedAt time.Time
	namespace string
	body      []byte // the signed SNS envelope
	forged    bool   // its signature does not verify: tocsin must refuse it
}

// delivery is one POST: a message at its scheduled offset from the start.
type delivery struct {
	msg        *message
	at         time.Duration
	redelivery bool
}

// plan is the whole storm, decided before the clock starts.
type plan struct {
	services   []string
	messages   []*message // the genuine ones
	forged     []*message // -forged: state changes with a broken signature
	deliveries []delivery
}

// newPlan lays out the storm. Round r holds the r-th state change of every
// alarm, in one fixed shuffled order, so consecutive changes of an alarm
// are a round apart and each alarm's first change (ALARM) comes in round 0,
// before anything else about it. Flapping alarms alternate ALARM and OK;
// the others are re-notified in ALARM. StateChangeTime grows with the
// round. Redeliveries re-send a random earlier message within the next ~50
// sends, often while the original is still in flight.
func newPlan(o options, start time.Time) *plan {
	rng := mrand.New(mrand.NewPCG(uint64(o.seed), 0x70c5))
	p := &plan{}
	for s := range o.services {
		p.services = append(p.services, fmt.Sprintf("svc-%02d", s))
	}
	order := rng.Perm(o.alarms)
	flapping := make([]bool, o.alarms)
	for _, a := range rng.Perm(o.alarms)[:int(float64(o.alarms)*o.flapFraction)] {
		flapping[a] = true
	}
	n := distinct(o)
	rounds := (n + o.alarms - 1) / o.alarms
	step := min(time.Minute, 50*time.Minute/time.Duration(rounds))
	t0 := start.Add(-time.Hour).Truncate(time.Second)
	for k := range n {
		a, round := order[k%o.alarms], k/o.alarms
		m := &message{id: uuid(rng), service: p.services[a%o.services], state: "ALARM", old: "ALARM",
			changedAt: t0.Add(time.Duration(round)*step + time.Duration(a)*time.Millisecond), namespace: stormNamespace}
		m.alarm = fmt.Sprintf("storm-%s-%04d", m.service, a)
		if a >= o.alarms-o.unowned {
			m.namespace, m.service = unownedNamespace, unownedService
			m.alarm = fmt.Sprintf("unowned-%04d", a)
		}
		switch {
		case round == 0:
			m.old = "OK"
		case flapping[a] && round%2 == 1:
			m.state = "OK"
		case flapping[a]:
			m.old = "OK"
		}
		p.messages = append(p.messages, m)
	}
	p.schedule(o, rng)
	return p
}

// schedule orders the deliveries (originals and redeliveries) and spreads
// them evenly over the storm's duration.
func (p *plan) schedule(o options, rng *mrand.Rand) {
	type keyed struct {
		key float64
		d   delivery
	}
	var all []keyed
	for k, m := range p.messages {
		all = append(all, keyed{float64(k), delivery{msg: m}})
	}
	for range o.notifications - len(p.messages) {
		j := rng.IntN(len(p.messages))
		all = append(all, keyed{float64(j) + 1 + 50*rng.Float64(), delivery{msg: p.messages[j], redelivery: true}})
	}
	for range int(float64(o.notifications)*o.forged + 0.5) {
		j := rng.IntN(len(p.messages))
		real := p.messages[j]
		f := &message{id: uuid(rng), service: real.service, alarm: real.alarm, state: "ALARM", old: "OK",
			changedAt: real.changedAt.Add(time.Second), namespace: real.namespace, forged: true}
		p.forged = append(p.forged, f)
		all = append(all, keyed{float64(j) + rng.Float64(), delivery{msg: f}})
	}
	sort.SliceStable(all, func(i, j int) bool { return all[i].key < all[j].key })
	gap := o.duration / time.Duration(len(all))
	for i, k := range all {
		k.d.at = time.Duration(i) * gap
		p.deliveries = append(p.deliveries, k.d)
	}
}

// firstAlarm is the scheduled offset of the first ALARM sent for each
// service and for each alarm.
func (p *plan) firstAlarm() (byService, byAlarm map[string]time.Duration) {
	byService, byAlarm = map[string]time.Duration{}, map[string]time.Duration{}
	for _, d := range p.deliveries {
		if d.msg.state != "ALARM" || d.msg.forged {
			continue
		}
		if _, ok := byService[d.msg.service]; !ok {
			byService[d.msg.service] = d.at
		}
		if _, ok := byAlarm[d.msg.alarm]; !ok {
			byAlarm[d.msg.alarm] = d.at
		}
	}
	return byService, byAlarm
}

// unownedService is the service tocsin gives an alarm without a playbook.
const unownedService = "unknown"

// wantIncidents lists the services of the incidents the storm must leave:
// one per service, and for -unowned alarms one each up to the storm guard
// (-storm-after) plus one storm incident.
func (p *plan) wantIncidents(o options) []string {
	want := slices.Clone(p.services)
	n := o.unowned
	if o.stormAfter > 0 && n > o.stormAfter {
		n = o.stormAfter + 1
	}
	for range n {
		want = append(want, unownedService)
	}
	slices.Sort(want)
	return want
}

func uuid(rng *mrand.Rand) string {
	var b [16]byte
	for i := range b {
		b[i] = byte(rng.UintN(256))
	}
	return sim.FormatUUID(b)
}

// feed signs notifications with the one signed-SNS feed, sim.SNSFeed: its
// certificate is in certDir under the name its SigningCertURL ends with.
type feed struct {
	sns     *sim.SNSFeed
	certDir string
}

func newFeed(dir string, now time.Time) (*feed, error) {
	certDir := filepath.Join(dir, "certs")
	sns, err := sim.NewSNSFeed(sim.SNSFeedOptions{CertDir: certDir, TopicARN: stormTopic,
		Now: func() time.Time { return now }, NotAfter: now.Add(24 * time.Hour)})
	if err != nil {
		return nil, err
	}
	return &feed{sns: sns, certDir: certDir}, nil
}

// signAll signs every message's body, on every core.
func (f *feed) signAll(msgs []*message) error {
	var wg sync.WaitGroup
	errs := make([]error, runtime.GOMAXPROCS(0))
	for w := range errs {
		wg.Add(1)
		go func() {
			defer wg.Done()
			for i := w; i < len(msgs) && errs[w] == nil; i += len(errs) {
				errs[w] = f.sign(msgs[i])
			}
		}()
	}
	wg.Wait()
	return errors.Join(errs...)
}

func (f *feed) sign(m *message) error {
	body, err := f.sns.Notification(m.id, fmt.Sprintf("%s: %q in US East (N. Virginia)", m.state, m.alarm), alarmJSON(m))
	if err != nil {
		return err
	}
	if m.forged { // as if someone changed the message after SNS signed it
		forged := strings.Replace(string(body), `\"ALARM\"`, `\"INSUFFICIENT_DATA\"`, 1)
		if forged == string(body) {
			return fmt.Errorf("forge message %s: no ALARM state to change", m.id)
		}
		body = []byte(forged)
	}
	m.body = body
	return nil
}

// alarmJSON is the CloudWatch alarm message in the shape CloudWatch
// publishes it (see intake/testdata).
func alarmJSON(m *message) string {
	value := 12.0
	if m.state == "OK" {
		value = 1
	}
	return sim.CWAlarmMessage{Name: m.alarm, State: m.state, OldState: m.old, Value: value, ChangedAt: m.changedAt,
		Namespace: m.namespace, MetricName: "HTTPCode_Target_5XX_Count", Statistic: "SUM", Threshold: 5,
		Dimensions: [][2]string{{"Service", m.service}}}.JSON()
}

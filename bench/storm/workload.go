package main

import (
	"crypto/rand"
	"crypto/rsa"
	"encoding/hex"
	"encoding/json"
	"fmt"
	mrand "math/rand/v2"
	"os"
	"path/filepath"
	"runtime"
	"slices"
	"sort"
	"strings"
	"sync"
	"time"

	"github.com/tocsin-dev/tocsin/intake"
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
	b[6], b[8] = b[6]&0x0f|0x40, b[8]&0x3f|0x80
	h := hex.EncodeToString(b[:])
	return h[:8] + "-" + h[8:12] + "-" + h[12:16] + "-" + h[16:20] + "-" + h[20:]
}

// feed signs notifications like SNS, with a key whose certificate is in
// certDir under the name its SigningCertURL ends with.
type feed struct {
	key     *rsa.PrivateKey
	certDir string
	certURL string
}

func newFeed(dir string, now time.Time) (*feed, error) {
	key, err := rsa.GenerateKey(rand.Reader, 2048)
	if err != nil {
		return nil, err
	}
	pem, err := intake.SelfSignedPEM(key, now.Add(-time.Hour), now.Add(24*time.Hour))
	if err != nil {
		return nil, err
	}
	var id [16]byte
	rand.Read(id[:])
	name := "SimpleNotificationService-" + hex.EncodeToString(id[:]) + ".pem"
	f := &feed{key: key, certDir: filepath.Join(dir, "certs"), certURL: "https://sns.us-east-1.amazonaws.com/" + name}
	if err := os.MkdirAll(f.certDir, 0o700); err != nil {
		return nil, err
	}
	return f, os.WriteFile(filepath.Join(f.certDir, name), pem, 0o600)
}

// signAll signs every message's body, on every core.
func (f *feed) signAll(msgs []*message, now time.Time) error {
	var wg sync.WaitGroup
	errs := make([]error, runtime.GOMAXPROCS(0))
	for w := range errs {
		wg.Add(1)
		go func() {
			defer wg.Done()
			for i := w; i < len(msgs) && errs[w] == nil; i += len(errs) {
				errs[w] = f.sign(msgs[i], now)
			}
		}()
	}
	wg.Wait()
	for _, err := range errs {
		if err != nil {
			return err
		}
	}
	return nil
}

func (f *feed) sign(m *message, now time.Time) error {
	env, err := intake.SignEnvelope(f.key, "2", map[string]string{
		"Type": "Notification", "MessageId": m.id, "TopicArn": stormTopic,
		"Subject": fmt.Sprintf("%s: %q in US East (N. Virginia)", m.state, m.alarm),
		"Message": alarmJSON(m), "Timestamp": now.UTC().Format("2006-01-02T15:04:05.000Z"),
	})
	if err != nil {
		return err
	}
	if m.forged { // as if someone changed the message after SNS signed it
		env["Message"] = strings.Replace(env["Message"], `"ALARM"`, `"INSUFFICIENT_DATA"`, 1)
	}
	env["SigningCertURL"] = f.certURL
	env["UnsubscribeURL"] = "https://sns.us-east-1.amazonaws.com/?Action=Unsubscribe&SubscriptionArn=" + stormTopic + ":0"
	m.body, err = json.Marshal(env)
	return err
}

// alarmJSON is the CloudWatch alarm message in the shape CloudWatch
// publishes it (see intake/testdata).
func alarmJSON(m *message) string {
	reason := "Threshold Crossed: 1 out of the last 1 datapoints [12.0 (%s)] was greater than the threshold (5.0)."
	if m.state == "OK" {
		reason = "Threshold Crossed: 1 out of the last 1 datapoints [1.0 (%s)] was not greater than the threshold (5.0)."
	}
	b, _ := json.Marshal(map[string]any{
		"AlarmName": m.alarm, "AlarmDescription": nil, "AWSAccountId": "123456789012",
		"NewStateValue": m.state, "OldStateValue": m.old,
		"NewStateReason":  fmt.Sprintf(reason, m.changedAt.Add(-time.Minute).UTC().Format("02/01/06 15:04:05")),
		"StateChangeTime": m.changedAt.UTC().Format("2006-01-02T15:04:05.000-0700"), "Region": "US East (N. Virginia)",
		"AlarmArn": "arn:aws:cloudwatch:us-east-1:123456789012:alarm:" + m.alarm,
		"Trigger": map[string]any{"MetricName": "HTTPCode_Target_5XX_Count", "Namespace": m.namespace,
			"StatisticType": "Statistic", "Statistic": "SUM", "Unit": nil,
			"Dimensions": []map[string]string{{"name": "Service", "value": m.service}},
			"Period":     60, "EvaluationPeriods": 1, "ComparisonOperator": "GreaterThanThreshold",
			"Threshold": 5.0, "TreatMissingData": "missing"},
	})
	return string(b)
}

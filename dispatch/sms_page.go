package dispatch

import (
	"fmt"
	"strings"

	"github.com/tocsin-dev/tocsin/incident"
	"github.com/tocsin-dev/tocsin/oncall"
	"github.com/tocsin-dev/tocsin/playbooks"
)

// smsMax is the longest page message: one SMS in the GSM 7-bit alphabet.
const smsMax = 160

// smsText is the page's message: the incident, its severity and service,
// its title and a link to its channel, in at most smsMax characters of
// plain ASCII (any other character would make the SMS use UCS-2, whose
// single message holds 70).
func smsText(inc incident.Incident, link string) string {
	head := fmt.Sprintf("tocsin %s %s", inc.ID, inc.Severity)
	if inc.Service != "" {
		head += " " + clipASCII(gsmSafe(inc.Service), 30)
	}
	head += ": "
	tail := ""
	if link != "" && len(head)+len(link)+1+10 <= smsMax {
		tail = " " + link
	}
	return head + clipASCII(gsmSafe(inc.Title), smsMax-len(head)-len(tail)) + tail
}

// gsmSafe keeps the printable ASCII characters that take one place in the
// GSM 7-bit alphabet, turns white space into single spaces and anything
// else into '?'.
func gsmSafe(s string) string {
	var b strings.Builder
	for _, r := range strings.Join(strings.Fields(s), " ") {
		switch {
		case r >= 'a' && r <= 'z', r >= 'A' && r <= 'Z', r >= '0' && r <= '9', strings.ContainsRune(" .,:;!?'\"()-_/@#%&*+=<>", r):
			b.WriteRune(r)
		default:
			b.WriteByte('?')
		}
	}
	return b.String()
}

// clipASCII shortens ASCII s to n bytes, ending with "..." when cut.
func clipASCII(s string, n int) string {
	if len(s) <= n {
		return s
	}
	if n <= 3 {
		return s[:max(n, 0)]
	}
	return s[:n-3] + "..."
}

// smsPage is what a page target sms or rotation:NAME enqueues for an
// incident, and how it pages (for the escalation event): an SMS to the
// paging topic; for a rotation, an SMS to whoever is on call in it now
// when they have a phone number, else a PagerDuty page for them when the
// rotation has a PagerDuty schedule and TOCSIN_PAGERDUTY_ROUTING_KEY is
// set, else a note that nobody could be paged. base is the incident's page
// key, suffix tells this page from the incident's others (the escalation
// step, or the command), data says which step or who asked.
func (e *Engine) smsPage(inc incident.Incident, t playbooks.PageTarget, base, suffix string, data map[string]string, extra []oncall.Override) (string, []incident.Effect) {
	d := map[string]string{"target": t.String()}
	for k, v := range data {
		if v != "" {
			d[k] = v
		}
	}
	if t.Kind == playbooks.PageSMS {
		d["key"] = base + "-sms-" + suffix
		return "sms", []incident.Effect{{Kind: EffSMSPage, Incident: inc.ID, Data: d}}
	}
	r, ok := e.rotationSet().Get(t.Name)
	if !ok {
		return "no", []incident.Effect{postEffect(fmt.Sprintf(":warning: %s was to page rotation %s, which does not exist: nobody was paged.", inc.ID, inert(t.Name)))}
	}
	who, _ := r.With(extra).Who(e.cfg.Now())
	d["user"] = who
	if m, ok := r.Member(who); ok && m.Phone != "" {
		d["key"] = base + "-sms-" + who + "-" + suffix
		return "sms", []incident.Effect{{Kind: EffSMSPage, Incident: inc.ID, Data: d}}
	}
	pd := playbooks.PageTarget{Kind: playbooks.PagePagerDuty}
	if _, ok := e.cfg.Playbooks().RoutingKey(pd.KeyEnv()); ok && r.PagerDutySchedule != "" {
		delete(d, "target")
		return "pagerduty", []incident.Effect{triggerEffect(inc.ID, pd, userPageKey(base, who), d)}
	}
	return "no", []incident.Effect{postEffect(fmt.Sprintf(":warning: %s is on call in rotation %s but has no phone number there, and the rotation pages no PagerDuty schedule: nobody was paged.",
		person(who), r.Name))}
}

// canPageSMS says why a page target sms or rotation:NAME cannot page, or
// nil.
func (e *Engine) canPageSMS(t playbooks.PageTarget, whose string) error {
	switch {
	case t.Kind == playbooks.PageSMS && e.cfg.SMSTopic == "":
		return fmt.Errorf("%w: %ssms, but TOCSIN_PAGE_SNS_TOPIC_ARN is not set", incident.ErrInvalid, whose)
	case t.Kind == playbooks.PageRotation:
		if _, ok := e.rotationSet().Get(t.Name); !ok {
			return fmt.Errorf("%w: %s%s, but there is no rotation %q", incident.ErrInvalid, whose, t, t.Name)
		}
	}
	return nil
}

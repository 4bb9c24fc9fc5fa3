package sim

import (
	"net/http"
	"slices"
	"time"
)

// PagerDutyOnCall is one on-call entry of a schedule: a user (known to the
// stand-in, AddUser) on call from Start to End at an escalation level.
type PagerDutyOnCall struct {
	UserID     string
	Start, End time.Time
	Level      int // escalation_level; 0 is 1
}

// SetOnCalls replaces a schedule's on-call entries.
func (p *PagerDuty) SetOnCalls(scheduleID string, entries []PagerDutyOnCall) {
	p.mu.Lock()
	defer p.mu.Unlock()
	if p.oncalls == nil {
		p.oncalls = map[string][]PagerDutyOnCall{}
	}
	p.oncalls[scheduleID] = slices.Clone(entries)
}

// listOnCalls answers GET /oncalls as PagerDuty's "List all of the
// on-calls" documents it: the entries of the schedules named by
// schedule_ids[] that overlap since..until (RFC 3339; both default to now),
// oldest first, each as the documented example writes one (user,
// schedule and escalation_policy references, escalation_level, start,
// end); include[]=users expands each user with its name and e-mail. The
// list is one page (offset 0, more false).
func (p *PagerDuty) listOnCalls(w http.ResponseWriter, r *http.Request) {
	p.mu.Lock()
	token := p.token
	p.mu.Unlock()
	if token == "" || r.Header.Get("Authorization") != "Token token="+token {
		pagerDutyWrite(w, http.StatusUnauthorized, map[string]any{"error": map[string]any{"message": "Authentication failed", "code": 2006}})
		return
	}
	q := r.URL.Query()
	since, err1 := pagerDutyTime(q.Get("since"), p.now())
	until, err2 := pagerDutyTime(q.Get("until"), since)
	if err1 != nil || err2 != nil || until.Before(since) {
		pagerDutyWrite(w, http.StatusBadRequest, map[string]any{"error": map[string]any{"message": "Invalid Input Provided",
			"code": 2001, "errors": []string{"since and until must be ISO 8601 times, since before until"}}})
		return
	}
	expand := slices.Contains(q["include[]"], "users")
	out := []map[string]any{}
	p.mu.Lock()
	for _, sched := range q["schedule_ids[]"] {
		for _, e := range p.oncalls[sched] {
			if e.End.After(since) && !e.Start.After(until) {
				out = append(out, p.onCallJSON(sched, e, expand))
			}
		}
	}
	p.mu.Unlock()
	slices.SortStableFunc(out, func(a, b map[string]any) int { return a["start"].(time.Time).Compare(b["start"].(time.Time)) })
	for _, e := range out {
		e["start"], e["end"] = e["start"].(time.Time).Format(time.RFC3339), e["end"].(time.Time).Format(time.RFC3339)
	}
	pagerDutyWrite(w, http.StatusOK, map[string]any{"oncalls": out, "limit": 25, "offset": 0, "more": false, "total": nil})
}

// onCallJSON writes one entry; p.mu is held.
func (p *PagerDuty) onCallJSON(sched string, e PagerDutyOnCall, expand bool) map[string]any {
	u := p.users[e.UserID]
	user := map[string]any{"id": e.UserID, "type": "user_reference", "summary": u.Name,
		"self": "https://api.pagerduty.com/users/" + e.UserID, "html_url": "https://subdomain.pagerduty.com/users/" + e.UserID}
	if expand {
		user["type"], user["name"], user["email"] = "user", u.Name, u.Email
	}
	return map[string]any{
		"user": user,
		"schedule": map[string]any{"id": sched, "type": "schedule_reference", "summary": "Schedule " + sched,
			"self": "https://api.pagerduty.com/schedules/" + sched, "html_url": "https://subdomain.pagerduty.com/schedules/" + sched},
		"escalation_policy": map[string]any{"id": "PT20YPA", "type": "escalation_policy_reference", "summary": "Engineering Escalation Policy",
			"self": "https://api.pagerduty.com/escalation_policies/PT20YPA", "html_url": "https://subdomain.pagerduty.com/escalation_policies/PT20YPA"},
		"escalation_level": max(e.Level, 1), "start": e.Start, "end": e.End,
	}
}

// pagerDutyTime reads an ISO 8601 (RFC 3339) time, or def when s is
// empty.
func pagerDutyTime(s string, def time.Time) (time.Time, error) {
	if s == "" {
		return def, nil
	}
	return time.Parse(time.RFC3339, s)
}

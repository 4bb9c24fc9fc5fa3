package playbooks

import (
	"strings"
	"time"

	"github.com/tocsin-dev/tocsin/incident"
)

// Service names the service the alarm affects, from the playbook's service
// template. It is "unknown" when the template is empty or a placeholder has
// no value.
func (p *Playbook) Service(a *incident.Alarm) string {
	if strings.TrimSpace(p.ServiceTemplate) == "" {
		return unknownService
	}
	s, ok := expand(p.ServiceTemplate, a, nil)
	if !ok || strings.TrimSpace(s) == "" {
		return unknownService
	}
	return s
}

// GroupKey is the key under which alarms join one open incident:
// "pb:<playbook>:<value>", where the value is the alarm's name (group_by
// alarm, the default), its service (group_by service) or the value of a
// dimension (group_by dimension:NAME). An alarm without that dimension is
// grouped by its own name, so unrelated alarms never merge by accident.
func (p *Playbook) GroupKey(a *incident.Alarm) string {
	return "pb:" + p.Name + ":" + p.groupValue(a)
}

func (p *Playbook) groupValue(a *incident.Alarm) string {
	switch by := p.GroupBy; {
	case by == "service":
		return p.Service(a)
	case strings.HasPrefix(by, "dimension:"):
		if v, ok := a.Dimension(strings.TrimPrefix(by, "dimension:")); ok && v != "" {
			return v
		}
	}
	return a.Name
}

// Severity is the incident's severity when firing alarms of its group are in
// ALARM (including the one at hand): the most severe of the default and of
// every rule whose threshold is reached.
func (p *Playbook) Severity(firing int) incident.Severity {
	sev := p.SeverityPolicy.Default
	if !sev.Valid() {
		sev = incident.SEV3
	}
	for _, r := range p.SeverityPolicy.Rules {
		if r.Then.Valid() && firing >= r.IfFiringAtLeast && r.Then < sev {
			sev = r.Then
		}
	}
	return sev
}

// Due lists every escalation step with the absolute time it falls due for an
// incident opened at openedAt. The caller stores them as durable timers and
// cancels the rest when the incident is acknowledged.
func (p *Playbook) Due(openedAt time.Time) []DueStep {
	if len(p.Escalation) == 0 {
		return nil
	}
	due := make([]DueStep, len(p.Escalation))
	for i, s := range p.Escalation {
		due[i] = DueStep{Index: i, At: openedAt.Add(s.After)}
	}
	return due
}

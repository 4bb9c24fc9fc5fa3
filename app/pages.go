package app

import (
	"fmt"

	"github.com/tocsin-dev/tocsin/oncall"
	"github.com/tocsin-dev/tocsin/playbooks"
)

// PageProblems lists the escalation steps whose page target cannot page
// with these rotations and this paging topic: rotation:NAME naming no
// rotation, and sms without TOCSIN_PAGE_SNS_TOPIC_ARN. playbooks cannot
// tell (it knows neither), so start, reload and `tocsin check` ask here.
func PageProblems(pb *playbooks.Set, rot *oncall.Set, smsTopic string) []string {
	var out []string
	for _, p := range pb.All() {
		for i, step := range p.Escalation {
			t := step.Page
			switch {
			case t.Kind == playbooks.PageRotation:
				if _, ok := rot.Get(t.Name); !ok {
					out = append(out, fmt.Sprintf("%s: playbook %q escalation[%d].page: %s: there is no rotation %q in %s/",
						p.Source, p.Name, i, t, t.Name, oncall.Dir))
				}
			case t.Kind == playbooks.PageSMS && smsTopic == "":
				out = append(out, fmt.Sprintf("%s: playbook %q escalation[%d].page: sms: TOCSIN_PAGE_SNS_TOPIC_ARN is not set",
					p.Source, p.Name, i))
			}
		}
	}
	return out
}

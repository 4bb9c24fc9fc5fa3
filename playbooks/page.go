package playbooks

import (
	"fmt"
	"regexp"
	"strings"
)

// PageKind is what a page target pages through.
type PageKind string

// The page kinds. A step without `page` has PageNone.
const (
	PageNone PageKind = ""
	// PageWebhook is `page: true`: the generic JSON webhook
	// (TOCSIN_PAGE_WEBHOOK), kept for the playbooks written before the
	// typed targets.
	PageWebhook PageKind = "webhook"
	// PagePagerDuty is `page: pagerduty` (the routing key in
	// TOCSIN_PAGERDUTY_ROUTING_KEY) or `page: pagerduty:ENV_NAME` (the
	// routing key in the environment variable ENV_NAME).
	PagePagerDuty PageKind = "pagerduty"
	// PageSMS is `page: sms` (SNS Publish).
	PageSMS PageKind = "sms"
	// PageRotation is `page: rotation:NAME` (whoever is on call in the
	// rotation NAME).
	PageRotation PageKind = "rotation"
)

// DefaultRoutingKeyEnv holds the PagerDuty routing key of `page: pagerduty`.
const DefaultRoutingKeyEnv = "TOCSIN_PAGERDUTY_ROUTING_KEY"

// envName is the shape of an environment variable's name.
var envName = regexp.MustCompile(`^[A-Za-z_][A-Za-z0-9_]*$`)

// PageTarget says whom an escalation step (or `/incident page`) pages. In
// YAML it is one scalar: true, false, pagerduty, pagerduty:ENV_NAME, sms or
// rotation:NAME.
type PageTarget struct {
	Kind PageKind
	// Name is, for PagePagerDuty, the environment variable that holds the
	// routing key (empty: DefaultRoutingKeyEnv); for PageRotation, the
	// rotation's name.
	Name string
	// Key is the PagerDuty routing key, read from the environment when the
	// playbooks are loaded. It prints as [secret].
	Key Secret
}

// ParsePageTarget reads a page target as written in a playbook or after
// `/incident page`: true (the webhook), pagerduty, pagerduty:ENV_NAME, sms
// or rotation:NAME. The error names the value and what is accepted.
func ParsePageTarget(s string) (PageTarget, error) {
	kind, name, hasName := strings.Cut(strings.TrimSpace(s), ":")
	switch {
	case s == "true" && !hasName:
		return PageTarget{Kind: PageWebhook}, nil
	case s == "false" && !hasName:
		return PageTarget{}, nil
	case kind == string(PagePagerDuty) && !hasName:
		return PageTarget{Kind: PagePagerDuty}, nil
	case kind == string(PagePagerDuty) && envName.MatchString(name):
		return PageTarget{Kind: PagePagerDuty, Name: name}, nil
	case kind == string(PagePagerDuty):
		return PageTarget{}, fmt.Errorf("page target %q: %q is not an environment variable name (letters, digits and _)", s, name)
	case kind == string(PageSMS) && !hasName:
		return PageTarget{Kind: PageSMS}, nil
	case kind == string(PageRotation) && nameRE.MatchString(name):
		return PageTarget{Kind: PageRotation, Name: name}, nil
	case kind == string(PageRotation):
		return PageTarget{}, fmt.Errorf("page target %q: rotation names are lower-case letters, digits, - and _", s)
	}
	return PageTarget{}, fmt.Errorf("unknown page target %q (want true, pagerduty, pagerduty:ENV_NAME, sms or rotation:NAME)", s)
}

// String writes the target as ParsePageTarget reads it; never the key.
func (t PageTarget) String() string {
	switch {
	case t.Kind == PageWebhook:
		return "true"
	case t.Name != "":
		return string(t.Kind) + ":" + t.Name
	}
	return string(t.Kind)
}

// Set reports whether the step pages at all.
func (t PageTarget) Set() bool { return t.Kind != PageNone }

// KeyEnv is the environment variable holding a PagerDuty target's routing
// key.
func (t PageTarget) KeyEnv() string {
	if t.Name == "" {
		return DefaultRoutingKeyEnv
	}
	return t.Name
}

// Secret is a value that must never be printed: fmt, %v, %+v, %#v and
// slog all show [secret]. Reveal returns it.
type Secret string

// Format prints [secret] (or nothing for an empty Secret) for every verb.
func (s Secret) Format(f fmt.State, _ rune) {
	if s != "" {
		f.Write([]byte("[secret]"))
	}
}

// MarshalText keeps the value out of JSON and YAML encodings.
func (s Secret) MarshalText() ([]byte, error) { return []byte("[secret]"), nil }

// Reveal returns the secret itself, for the one place that sends it.
func (s Secret) Reveal() string { return string(s) }

// resolvePage reads a PagerDuty target's routing key from the environment
// into t, or says why the target cannot page: its variable is unset. The problem names the playbook, the step
// and the value, never the key.
func resolvePage(p *parsed, path string, t *PageTarget, getenv func(string) string) (Problem, bool) {
	switch t.Kind {
	case PageNone, PageWebhook, PageSMS, PageRotation: // the topic and the rotations are checked where they are known (app, tocsin check)
		return Problem{}, true
	case PagePagerDuty:
		key := ""
		if getenv != nil {
			key = getenv(t.KeyEnv())
		}
		if key == "" {
			return at(p, path, "playbook %q %s: %s: the environment variable %s that holds its routing key is not set",
				p.pb.Name, path, t, t.KeyEnv()), false
		}
		t.Key = Secret(key)
		return Problem{}, true
	}
	return at(p, path, "playbook %q %s: page target %q is not yet supported", p.pb.Name, path, t.String()), false
}

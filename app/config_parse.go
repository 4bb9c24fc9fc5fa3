package app

import (
	"errors"
	"fmt"
	"log/slog"
	"strconv"
	"strings"
	"time"

	"github.com/tocsin-dev/tocsin/incident"
)

// problems collects every malformed value so they are reported at once.
type problems struct{ errs []error }

func (p *problems) add(err error) {
	if err != nil {
		p.errs = append(p.errs, err)
	}
}

func (p *problems) err() error { return errors.Join(p.errs...) }

func (p *problems) duration(name, v string) time.Duration {
	d, err := time.ParseDuration(v)
	if err != nil || d < 0 {
		p.add(fmt.Errorf("%s %q is not a duration like 90s, 5m or 24h", name, v))
	}
	return d
}

func (p *problems) integer(name, v string) int {
	n, err := strconv.Atoi(v)
	if err != nil || n < 0 {
		p.add(fmt.Errorf("%s %q is not a non-negative whole number", name, v))
	}
	return n
}

func (p *problems) boolean(name, v string) bool {
	b, err := strconv.ParseBool(v)
	if err != nil {
		p.add(fmt.Errorf("%s %q is not true or false", name, v))
	}
	return b
}

func (p *problems) severity(name, v string) incident.Severity {
	s, err := incident.ParseSeverity(v)
	if err != nil {
		p.add(fmt.Errorf("%s %q is not one of sev1, sev2, sev3, sev4", name, v))
	}
	return s
}

func (p *problems) level(name, v string) slog.Level {
	var l slog.Level
	if err := l.UnmarshalText([]byte(v)); err != nil {
		p.add(fmt.Errorf("%s %q is not one of debug, info, warn, error", name, v))
	}
	return l
}

// topicARN reports whether s has the shape of an SNS topic ARN.
func topicARN(s string) bool { return strings.HasPrefix(s, "arn:aws") && strings.Count(s, ":") == 5 }

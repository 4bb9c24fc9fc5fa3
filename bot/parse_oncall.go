package bot

import (
	"errors"
	"fmt"
	"strconv"
	"strings"
	"time"

	"github.com/tocsin-dev/tocsin/dispatch"
)

// parseOncall reads "oncall [rotation]" and
// "oncall override <@person> <4h|30m|2d> [rotation]".
func parseOncall(cmd *dispatch.Command, args string, _ time.Time) error {
	if cmd.Incident != 0 {
		return errors.New("oncall is not about an incident; leave out the incident id")
	}
	f := fields(args)
	if len(f) > 0 && strings.EqualFold(f[0], "override") {
		return parseOverride(cmd, f[1:])
	}
	switch len(f) {
	case 0:
	case 1:
		name, err := rotationName(f[0])
		if err != nil {
			return err
		}
		cmd.Text = name
	default:
		return errors.New("give at most one rotation, or override <@person> <duration> [rotation]")
	}
	cmd.Kind = dispatch.OnCall
	return nil
}

// parseOverride reads "<@person> <duration> [rotation]".
func parseOverride(cmd *dispatch.Command, f []string) error {
	if len(f) < 2 || len(f) > 3 {
		return errors.New("give the person, how long (4h, 30m, 2d) and, when there are several, the rotation")
	}
	user, ok := mentionedUser(f[0])
	if !ok {
		return fmt.Errorf("%q is not a person; @-mention them", truncate(plainText(f[0]), 40))
	}
	d, err := shiftDuration(f[1])
	if err != nil {
		return err
	}
	if len(f) == 3 {
		if cmd.Text, err = rotationName(f[2]); err != nil {
			return err
		}
	}
	cmd.Kind, cmd.User, cmd.Window = dispatch.OnCallOverride, user, d
	return nil
}

// shiftDuration reads how long an override lasts: a Go duration (4h, 30m,
// 1h30m) or whole days (2d), from dispatch.MinShift to dispatch.MaxShift.
func shiftDuration(s string) (time.Duration, error) {
	var d time.Duration
	if m := daysPattern.FindStringSubmatch(s); m != nil {
		n, _ := strconv.Atoi(m[1])
		d = time.Duration(n) * 24 * time.Hour
	} else {
		var err error
		if d, err = time.ParseDuration(s); err != nil {
			return 0, fmt.Errorf("%q is not a duration such as 4h, 30m, 1h30m or 2d", truncate(plainText(s), 20))
		}
	}
	if d < dispatch.MinShift || d > dispatch.MaxShift {
		return 0, fmt.Errorf("%s is not between %s and %dd", truncate(s, 20), dispatch.MinShift, dispatch.MaxShift/(24*time.Hour))
	}
	return d, nil
}

// rotationName checks a rotation's name as typed.
func rotationName(s string) (string, error) {
	name := strings.TrimPrefix(strings.ToLower(s), "rotation:")
	if !rotationPattern.MatchString(name) {
		return "", fmt.Errorf("rotation %q must be lower-case letters, digits, '_' or '-'", truncate(plainText(s), 40))
	}
	return name, nil
}

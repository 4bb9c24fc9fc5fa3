package bot

import (
	"errors"
	"fmt"
	"regexp"
	"strconv"
	"strings"
	"time"
	"unicode"

	"github.com/tocsin-dev/tocsin/dispatch"
)

var (
	clockPattern     = regexp.MustCompile(`^([01]?[0-9]|2[0-3]):([0-5][0-9])$`)
	userIDPattern    = regexp.MustCompile(`^[UW][A-Z0-9]{2,}$`)
	namePattern      = regexp.MustCompile(`^[A-Za-z0-9][A-Za-z0-9._-]{0,63}$`)
	argKeyPattern    = regexp.MustCompile(`^[A-Za-z_][A-Za-z0-9_.-]{0,63}$`)
	groupIDPattern   = regexp.MustCompile(`^S[A-Z0-9]{2,}$`)
	channelIDPattern = regexp.MustCompile(`^[CGD][A-Z0-9]{2,}$`)
	runIDPattern     = regexp.MustCompile(`^[A-Za-z0-9][A-Za-z0-9._:-]{0,127}$`)
	rotationPattern  = regexp.MustCompile(`^[a-z0-9][a-z0-9_-]{0,63}$`) // as rotation files write names
	daysPattern      = regexp.MustCompile(`^([1-9][0-9]?)d$`)           // a shift length in days (2d)
	maxRunbookArgs   = 20
)

func parseStarted(cmd *dispatch.Command, args string, now time.Time) error {
	f := fields(args)
	if len(f) != 1 {
		return errors.New("give one time")
	}
	at, err := parseWhen(f[0], now)
	if err != nil {
		return err
	}
	cmd.Kind, cmd.At = dispatch.Started, at
	return nil
}

// parseWhen reads an RFC 3339 time, HH:MM (UTC, today) or a negative
// duration relative to now (-15m, -1h30m). A time after now is refused.
func parseWhen(s string, now time.Time) (time.Time, error) {
	var at time.Time
	switch {
	case strings.HasPrefix(s, "-"):
		d, err := time.ParseDuration(s)
		if err != nil || d >= 0 {
			return time.Time{}, fmt.Errorf("%q is not a time before now like -15m or -1h30m", truncate(s, 20))
		}
		at = now.Add(d)
	case clockPattern.MatchString(s):
		m := clockPattern.FindStringSubmatch(s)
		h, _ := strconv.Atoi(m[1])
		mi, _ := strconv.Atoi(m[2])
		y, mo, d := now.Date()
		at = time.Date(y, mo, d, h, mi, 0, 0, time.UTC)
	default:
		t, err := time.Parse(time.RFC3339, s)
		if err != nil {
			return time.Time{}, fmt.Errorf("%q is not a time: use 2024-05-01T14:05:00Z, 14:05 (UTC today) or -15m", truncate(s, 40))
		}
		at = t
	}
	if at.After(now) {
		return time.Time{}, fmt.Errorf("%s is in the future", at.UTC().Format(time.RFC3339))
	}
	return at.UTC(), nil
}

func parseRunbook(cmd *dispatch.Command, args string, _ time.Time) error {
	f := fields(args)
	if len(f) == 0 {
		return errors.New("name the runbook")
	}
	if strings.EqualFold(f[0], "cancel") {
		if len(f) != 2 || !runIDPattern.MatchString(f[1]) {
			return errors.New("give the id of the run to cancel")
		}
		cmd.Kind, cmd.RunID = dispatch.RunbookCancel, f[1]
		return nil
	}
	if !validName(f[0]) {
		return fmt.Errorf("runbook name %q must be letters, digits, '.', '_' or '-'", truncate(f[0], 40))
	}
	runArgs, err := parseKeyValues(f[1:])
	if err != nil {
		return err
	}
	cmd.Kind, cmd.Runbook, cmd.Args = dispatch.RunbookReq, f[0], runArgs
	return nil
}

// parseKeyValues reads key=value words; a value may be quoted to hold spaces.
// The runbook's own definition decides which keys and values are allowed.
func parseKeyValues(words []string) (map[string]string, error) {
	if len(words) > maxRunbookArgs {
		return nil, fmt.Errorf("give at most %d key=value arguments", maxRunbookArgs)
	}
	if len(words) == 0 {
		return nil, nil
	}
	out := make(map[string]string, len(words))
	for _, w := range words {
		k, v, ok := strings.Cut(w, "=")
		switch {
		case !ok:
			return nil, fmt.Errorf("%q is not key=value", truncate(plainText(w), 40))
		case !argKeyPattern.MatchString(k):
			return nil, fmt.Errorf("%q is not a valid argument name", truncate(k, 40))
		}
		if _, dup := out[k]; dup {
			return nil, fmt.Errorf("argument %q is given twice", k)
		}
		out[k] = unquote(plainText(v))
	}
	return out, nil
}

// unquote removes one pair of surrounding quotes, straight or curly.
func unquote(s string) string {
	for _, q := range [][2]string{{`"`, `"`}, {"“", "”"}, {"'", "'"}} {
		if len(s) >= len(q[0])+len(q[1]) && strings.HasPrefix(s, q[0]) && strings.HasSuffix(s, q[1]) {
			return s[len(q[0]) : len(s)-len(q[1])]
		}
	}
	return s
}

func validName(s string) bool { return namePattern.MatchString(s) }

// mentionedUser returns the user id of a Slack mention as Slack escapes it
// in command text (<@U123|name> or <@U123>), or of a bare user id.
func mentionedUser(s string) (string, bool) {
	if inner, ok := strings.CutPrefix(s, "<@"); ok && strings.HasSuffix(inner, ">") {
		id, _, _ := strings.Cut(strings.TrimSuffix(inner, ">"), "|")
		return id, userIDPattern.MatchString(id)
	}
	return s, userIDPattern.MatchString(s)
}

// nextWord splits off the first whitespace-separated word.
func nextWord(s string) (word, rest string) {
	s = strings.TrimLeftFunc(s, unicode.IsSpace)
	i := strings.IndexFunc(s, unicode.IsSpace)
	if i < 0 {
		return s, ""
	}
	return s[:i], s[i:]
}

// fields splits on whitespace, keeping Slack's <...> markup (which may hold
// a display name with spaces) and quoted runs in one word each.
func fields(s string) []string {
	var out []string
	var cur strings.Builder
	var closer rune // the rune that ends the current group, or 0
	for _, r := range s {
		switch {
		case closer != 0:
			if r == closer {
				closer = 0
			}
		case r == '<':
			closer = '>'
		case r == '"':
			closer = '"'
		case r == '“':
			closer = '”'
		case unicode.IsSpace(r):
			if cur.Len() > 0 {
				out = append(out, cur.String())
				cur.Reset()
			}
			continue
		}
		cur.WriteRune(r)
	}
	if cur.Len() > 0 {
		out = append(out, cur.String())
	}
	return out
}

// parsePage reads `page [target] [message]`: a page target word
// (pagerduty, pagerduty:ENV_NAME, sms, rotation:NAME) or an @-mention,
// then free text. A first word that is neither stays in the message;
// dispatch reads it as a service's name when a playbook has that name.
func parsePage(cmd *dispatch.Command, args string, _ time.Time) error {
	word, rest := nextWord(args)
	low := strings.ToLower(word)
	switch {
	case strings.HasPrefix(word, "<@"):
		user, ok := mentionedUser(word)
		if !ok {
			return fmt.Errorf("%q is not a person; @-mention them", truncate(plainText(word), 40))
		}
		cmd.User = user
		if _, name, ok := strings.Cut(strings.TrimSuffix(word, ">"), "|"); ok && name != "" {
			cmd.Data = map[string]string{"user_name": name}
		}
	case low == "pagerduty" || low == "sms" || strings.HasPrefix(low, "pagerduty:") || strings.HasPrefix(low, "rotation:"):
		kind, _, _ := strings.Cut(word, ":")
		cmd.Target = strings.ToLower(kind) + strings.TrimPrefix(word, kind) // the kind in lower case, the name as typed
	default:
		rest = args
	}
	t, err := freeText(rest, false, maxText)
	if err != nil {
		return err
	}
	cmd.Kind, cmd.Text = dispatch.Page, t
	return nil
}

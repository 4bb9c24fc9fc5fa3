package runbooks

import (
	"fmt"
	"maps"
	"slices"
	"strconv"
	"strings"
	"unicode"
	"unicode/utf8"

	"github.com/tocsin-dev/tocsin/incident"
)

// maxInputLen is the longest input value accepted, in bytes.
const maxInputLen = 256

// InputError says what is wrong with the inputs of a run request, in
// sentences the requester can read. It wraps incident.ErrInvalid.
type InputError struct {
	Problems []string
}

func (e *InputError) Error() string { return strings.Join(e.Problems, " ") }

// Unwrap makes errors.Is(err, incident.ErrInvalid) true.
func (e *InputError) Unwrap() error { return incident.ErrInvalid }

// Validate checks a run request's arguments against r's inputs and returns
// the normalised values, defaults filled in. It refuses unknown names,
// missing values, wrong types, values outside the allow-list or not fully
// matching the pattern, values over 256 bytes, control characters and line
// breaks, and "{{" or "}}" (SSM would read them as references). The error
// is an *InputError; it never quotes more than 64 characters of a value.
func (r *Runbook) Validate(args map[string]string) (map[string]string, error) {
	var problems []string
	for _, k := range slices.Sorted(maps.Keys(args)) {
		if _, ok := r.Input(k); !ok {
			problems = append(problems, fmt.Sprintf("%q is not an input of runbook %s (%s).", clip(k), r.Name, r.inputList()))
		}
	}
	out := make(map[string]string, len(r.Inputs))
	for i := range r.Inputs {
		in := &r.Inputs[i]
		v, given := args[in.Name]
		if !given || v == "" {
			if in.Default == "" {
				problems = append(problems, fmt.Sprintf("input %s is required: give %s.", in.Name, in.describe()))
				continue
			}
			v = in.Default
		}
		norm, err := in.check(v)
		if err != nil {
			problems = append(problems, err.Error())
			continue
		}
		out[in.Name] = norm
	}
	if len(problems) > 0 {
		return nil, &InputError{Problems: problems}
	}
	return out, nil
}

func (r *Runbook) inputList() string {
	if len(r.Inputs) == 0 {
		return "it takes no inputs"
	}
	names := make([]string, len(r.Inputs))
	for i, in := range r.Inputs {
		names[i] = in.Name
	}
	return "its inputs are " + strings.Join(names, ", ")
}

// describe says in words what the input accepts.
func (in *Input) describe() string {
	switch {
	case len(in.Allowed) > 0:
		return "one of " + strings.Join(in.Allowed, ", ")
	case in.Type == TypeBool:
		return "true or false"
	case in.Type == TypeInstanceID:
		return "an instance id like i-0123456789abcdef0"
	case in.Type == TypeInt:
		return "a whole number matching " + in.anchored()
	}
	return "a value matching " + in.anchored()
}

func (in *Input) anchored() string { return "^(?:" + in.Pattern + ")$" }

// check validates one value and returns its normal form.
func (in *Input) check(v string) (string, error) {
	bad := func(format string, args ...any) (string, error) {
		return "", fmt.Errorf("input %s "+format, append([]any{in.Name}, args...)...)
	}
	switch {
	case len(v) > maxInputLen:
		return bad("is %d characters long; at most %d are allowed.", len(v), maxInputLen)
	case !utf8.ValidString(v) || strings.ContainsFunc(v, unicode.IsControl):
		return bad("contains a line break or control character, which is never allowed.")
	case strings.Contains(v, "{{") || strings.Contains(v, "}}"):
		return bad("may not contain {{ or }}.")
	}
	norm, ok := in.normalise(v)
	switch {
	case !ok:
		return bad("must be %s; got %q.", in.describe(), clip(v))
	case len(in.Allowed) > 0 && !slices.Contains(in.Allowed, norm):
		return bad("must be one of %s; got %q.", strings.Join(in.Allowed, ", "), clip(v))
	case in.Pattern != "" && (in.re == nil || !in.re.MatchString(norm)):
		return bad("must be %s; got %q.", in.describe(), clip(v))
	}
	return norm, nil
}

// normalise applies the input's type.
func (in *Input) normalise(v string) (string, bool) {
	switch in.Type {
	case TypeInt:
		n, err := strconv.ParseInt(v, 10, 64)
		return strconv.FormatInt(n, 10), err == nil
	case TypeBool:
		switch strings.ToLower(v) {
		case "true", "yes", "on", "1":
			return "true", true
		case "false", "no", "off", "0":
			return "false", true
		}
		return "", false
	case TypeInstanceID:
		return v, instanceIDRe.MatchString(v)
	}
	return v, true
}

package access

import (
	"errors"
	"fmt"
	"io/fs"
	"os"
	"path/filepath"
	"slices"
	"strings"

	"github.com/tocsin-dev/tocsin/incident"
)

// Problem is one thing wrong with the access policy file.
type Problem struct {
	File string
	Line int // 0 when the problem concerns the whole file
	Msg  string
	// Warning: the policy loads, but probably does not say what was meant
	// (an empty list refuses everyone). Load refuses only other problems.
	Warning bool
}

// String renders "file:line: problem", or "file:line: warning: problem".
func (p Problem) String() string {
	msg := p.Msg
	if p.Warning {
		msg = "warning: " + msg
	}
	if p.Line == 0 {
		return p.File + ": " + msg
	}
	return fmt.Sprintf("%s:%d: %s", p.File, p.Line, msg)
}

// Problems is the error Load returns for a policy with errors;
// errors.Is(err, incident.ErrInvalid) holds.
type Problems []Problem

// Error lists every problem on its own line.
func (ps Problems) Error() string {
	lines := make([]string, len(ps))
	for i, p := range ps {
		lines[i] = p.String()
	}
	return fmt.Sprintf("%d access policy problem(s):\n%s", len(ps), strings.Join(lines, "\n"))
}

// Unwrap makes errors.Is(err, incident.ErrInvalid) true.
func (ps Problems) Unwrap() error { return incident.ErrInvalid }

// Load reads dir's access policy (FileName). It returns nil and no error
// when dir is "" or holds no policy: nothing is restricted. A policy with
// any problem but warnings is refused with Problems, so a mistake never
// half-applies; warnings are left to Check.
func Load(dir string) (*Policy, error) {
	if dir == "" {
		return nil, nil
	}
	file := filepath.Join(dir, FileName)
	data, err := os.ReadFile(file)
	if errors.Is(err, fs.ErrNotExist) {
		return nil, nil
	}
	if err != nil {
		return nil, fmt.Errorf("read access policy: %w", err)
	}
	p, problems := parse(file, data, nil)
	var errs Problems
	for _, pr := range problems {
		if !pr.Warning {
			errs = append(errs, pr)
		}
	}
	if len(errs) > 0 {
		return nil, errs
	}
	return p, nil
}

// Check reports every problem with dir's access policy, warnings included,
// in line order: everything Load refuses, and runbook names for which
// runbookExists is false (nil skips that check). A dir without a policy
// has none, except a file named access.yaml or access.yml, which would be
// read as a playbook instead.
func Check(dir string, runbookExists func(name string) bool) []Problem {
	if dir == "" {
		return nil
	}
	var problems []Problem
	for _, name := range []string{"access.yaml", "access.yml"} {
		if _, err := os.Stat(filepath.Join(dir, name)); err == nil {
			problems = append(problems, Problem{File: filepath.Join(dir, name), Warning: true,
				Msg: "this file is read as a playbook, not as the access policy; the access policy is " + FileName})
		}
	}
	file := filepath.Join(dir, FileName)
	data, err := os.ReadFile(file)
	switch {
	case errors.Is(err, fs.ErrNotExist):
		return problems
	case err != nil:
		return append(problems, Problem{File: file, Msg: "cannot read the access policy: " + strings.TrimPrefix(err.Error(), "open "+file+": ")})
	}
	_, ps := parse(file, data, runbookExists)
	slices.SortStableFunc(ps, func(a, b Problem) int { return a.Line - b.Line })
	return append(problems, ps...)
}

package oncall

import (
	"fmt"
	"strings"

	"github.com/tocsin-dev/tocsin/incident"
)

// Problem is one thing wrong with a rotation file.
type Problem struct {
	File     string
	Line     int    // 0 when it concerns the whole file
	Rotation string // "" when the rotation has no name (yet)
	Field    string // the field, as the file writes it ("members[1].phone"); "" for the rotation
	Msg      string
}

// String renders `file:line: rotation "name": field: problem`.
func (p Problem) String() string {
	var b strings.Builder
	b.WriteString(p.File)
	if p.Line > 0 {
		fmt.Fprintf(&b, ":%d", p.Line)
	}
	b.WriteString(": ")
	if p.Rotation != "" {
		fmt.Fprintf(&b, "rotation %q: ", p.Rotation)
	}
	if p.Field != "" {
		b.WriteString(p.Field + ": ")
	}
	b.WriteString(p.Msg)
	return b.String()
}

// Problems is the error Load returns for bad rotations; errors.Is(err,
// incident.ErrInvalid) holds.
type Problems []Problem

// Error lists every problem on its own line.
func (ps Problems) Error() string {
	lines := make([]string, len(ps))
	for i, p := range ps {
		lines[i] = p.String()
	}
	return fmt.Sprintf("%d rotation problem(s):\n%s", len(ps), strings.Join(lines, "\n"))
}

// Unwrap makes errors.Is(err, incident.ErrInvalid) true.
func (ps Problems) Unwrap() error { return incident.ErrInvalid }

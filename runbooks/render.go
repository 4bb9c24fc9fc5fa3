package runbooks

import (
	"fmt"
	"strings"
)

// textOutputLimit is how much of one target's output Text shows; chat
// messages are small, and the whole of it is in Progress.
const textOutputLimit = 3000

// Summary is one line for the timeline: "Success: 2 of 2 targets done".
func (p Progress) Summary() string {
	done, failed := 0, 0
	for _, t := range p.Targets {
		if t.Terminal {
			done++
		}
		if t.Terminal && t.Status != "Success" {
			failed++
		}
	}
	s := fmt.Sprintf("%s: %d of %d %s done", p.Status, done, len(p.Targets), p.unit())
	if failed > 0 {
		s += fmt.Sprintf(", %d not successful", failed)
	}
	return s
}

func (p Progress) unit() string {
	if p.Limit == 0 { // automations have steps, not targets
		return "steps"
	}
	return "targets"
}

// Text renders the progress for chat: the summary, then each target with
// its status, exit code and output. It says when SSM cut the output.
func (p Progress) Text() string {
	var b strings.Builder
	b.WriteString(p.Summary())
	b.WriteString("\n")
	if p.Detail != "" {
		fmt.Fprintf(&b, "%s\n", p.Detail)
	}
	for _, t := range p.Targets {
		fmt.Fprintf(&b, "%s: %s", t.ID, t.Status)
		if t.Detail != "" && t.Detail != t.Status {
			fmt.Fprintf(&b, " (%s)", t.Detail)
		}
		if t.Terminal && p.Limit > 0 {
			fmt.Fprintf(&b, ", exit code %d", t.ResponseCode)
		}
		b.WriteString("\n")
		writeOutput(&b, "output", t.Stdout)
		writeOutput(&b, "errors", t.Stderr)
	}
	if p.Truncated {
		b.WriteString(truncationNote(p.Limit))
	}
	return b.String()
}

func writeOutput(b *strings.Builder, label, s string) {
	s = strings.TrimRight(s, "\n")
	if s == "" {
		return
	}
	r := []rune(s)
	cut := len(r) > textOutputLimit
	if cut {
		r = r[:textOutputLimit]
	}
	fmt.Fprintf(b, "%s:\n%s\n", label, string(r))
	if cut {
		fmt.Fprintf(b, "(showing the first %d characters)\n", textOutputLimit)
	}
}

func truncationNote(limit int) string {
	if limit == PluginOutputLimit {
		return "SSM returns at most 2,500 characters of output per target when targets are chosen by tag; there may be more.\n"
	}
	return "SSM truncates output at 24,000 characters; the rest is only in S3 or CloudWatch Logs if the document sends it there.\n"
}

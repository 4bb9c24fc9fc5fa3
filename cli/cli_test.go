package cli

import (
	"bytes"
	"context"
	"strings"
	"testing"
)

// TestRun_Help: every command's -h and --help print its usage on stdout
// and succeed (exit 0), as the contract in DESIGN.md promises.
func TestRun_Help(t *testing.T) {
	getenv := func(string) string { return "" }
	for _, name := range order {
		for _, flag := range []string{"-h", "--help"} {
			var stdout, stderr bytes.Buffer
			err := Run(context.Background(), []string{"tocsin", name, flag}, getenv, &stdout, &stderr)
			if err != nil || !strings.Contains(stdout.String(), "usage: tocsin "+name) {
				t.Errorf("tocsin %s %s: %v\nstdout: %s\nstderr: %s", name, flag, err, stdout.String(), stderr.String())
			}
		}
	}
}

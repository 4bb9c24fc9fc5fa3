package runbooks

import (
	"testing"
)

// MustParse checks and compiles one YAML definition, failing tb on any
// problem.
func MustParse(tb testing.TB, src string) *Runbook {
	tb.Helper()
	rbs, ps := parseFile("test.yaml", []byte(src), knownDocuments())
	for _, p := range ps {
		tb.Error(p)
	}
	if len(rbs) != 1 {
		tb.Fatalf("want one runbook, got %d", len(rbs))
	}
	return rbs[0]
}

// MustBuiltin returns a built-in runbook.
func MustBuiltin(tb testing.TB, name string) *Runbook {
	tb.Helper()
	s, err := Load("")
	if err != nil {
		tb.Fatal(err)
	}
	r, ok := s.Get(name)
	if !ok {
		tb.Fatalf("no built-in %s", name)
	}
	return r
}

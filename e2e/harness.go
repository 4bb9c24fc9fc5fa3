// Package e2e runs the whole tocsin program in tests: in-process through
// package app, or as a child process where a test must SIGKILL it, with the
// stand-ins of package sim for Slack and AWS. Its tests are the
// whole-program suites (flows, faults and the crash matrix, security); its
// exported helpers are shared with the demo's tests. Nothing in the tocsin
// binary imports it.
package e2e

import (
	"bytes"
	"net"
	"sync"
	"testing"
)

// SyncBuffer is a goroutine-safe writer for logs and narration.
type SyncBuffer struct {
	mu sync.Mutex
	b  bytes.Buffer
}

// Write appends p.
func (s *SyncBuffer) Write(p []byte) (int, error) {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.b.Write(p)
}

// String returns everything written so far.
func (s *SyncBuffer) String() string {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.b.String()
}

// FreeAddr returns a loopback host:port that was free a moment ago.
func FreeAddr(t testing.TB) string {
	t.Helper()
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	defer ln.Close()
	return ln.Addr().String()
}

// Package logtest gives tests a log destination they can read while the
// code under test is still writing to it from other goroutines (handlers,
// workers, a child process's output). Only tests and the e2e harness import
// it; it imports only the standard library.
package logtest

import (
	"bytes"
	"sync"
)

// Buffer is a writer safe for concurrent use; String returns everything
// written so far. The zero value is ready to use.
type Buffer struct {
	mu sync.Mutex
	b  bytes.Buffer
}

// Write appends p.
func (s *Buffer) Write(p []byte) (int, error) {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.b.Write(p)
}

// String returns everything written so far.
func (s *Buffer) String() string {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.b.String()
}

// Package logsample keeps refused requests from flooding the log: a
// Sampler lets one line per key (a client address) through per interval
// and counts the ones it held back, so that the next line can say how many
// there were. Everything refused is still counted in the metrics of the
// package that refuses; only its logging is sampled. It imports only the
// standard library.
package logsample

import (
	"net"
	"sync"
	"time"
)

// maxKeys bounds the keys remembered; past it the sampler starts afresh,
// which at worst lets one more line per key through.
const maxKeys = 10000

// Sampler decides which refusals are logged. The zero value logs one line
// a second per key with the wall clock.
type Sampler struct {
	Every time.Duration    // default one second
	Now   func() time.Time // default time.Now

	mu   sync.Mutex
	keys map[string]*entry
}

type entry struct {
	last    time.Time
	dropped int
}

// Allow reports whether a line for key may be logged now and, if so, how
// many were held back since the last one.
func (s *Sampler) Allow(key string) (ok bool, held int) {
	now := time.Now()
	if s.Now != nil {
		now = s.Now()
	}
	every := s.Every
	if every <= 0 {
		every = time.Second
	}
	s.mu.Lock()
	defer s.mu.Unlock()
	if s.keys == nil || len(s.keys) >= maxKeys {
		s.keys = map[string]*entry{}
	}
	e := s.keys[key]
	if e == nil {
		s.keys[key] = &entry{last: now}
		return true, 0
	}
	if now.Sub(e.last) < every {
		e.dropped++
		return false, 0
	}
	held, e.dropped, e.last = e.dropped, 0, now
	return true, held
}

// Client is the key for a request's client: the host of its remote
// address (the connection's, never a header a client can set).
func Client(remoteAddr string) string {
	if host, _, err := net.SplitHostPort(remoteAddr); err == nil {
		return host
	}
	return remoteAddr
}

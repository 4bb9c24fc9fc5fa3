package demo

import (
	"bytes"
	"io"
	"sync"
)

// heldLog is tocsin's log writer in the demo. While the prompt runs it
// holds what tocsin logs (the last maxHeld bytes), so that log lines do not
// land in the middle of what the person types; `logs` shows them and
// release writes them out when the prompt ends.
type heldLog struct {
	mu   sync.Mutex
	out  io.Writer
	hold bool
	buf  bytes.Buffer
}

// maxHeld bounds the log kept while the prompt runs.
const maxHeld = 1 << 20

func (l *heldLog) Write(p []byte) (int, error) {
	l.mu.Lock()
	defer l.mu.Unlock()
	if !l.hold {
		return l.out.Write(p)
	}
	l.buf.Write(p)
	if over := l.buf.Len() - maxHeld; over > 0 {
		l.buf.Next(over + bytes.IndexByte(l.buf.Bytes()[over:], '\n') + 1) // drop the oldest whole lines
	}
	return len(p), nil
}

// start holds what is logged from now on.
func (l *heldLog) start() {
	l.mu.Lock()
	l.hold = true
	l.mu.Unlock()
}

// held returns what was logged since start and not yet shown.
func (l *heldLog) held() []byte {
	l.mu.Lock()
	defer l.mu.Unlock()
	out := bytes.Clone(l.buf.Bytes())
	l.buf.Reset()
	return out
}

// release writes what is held to the log's destination and stops holding.
func (l *heldLog) release() {
	l.mu.Lock()
	defer l.mu.Unlock()
	l.hold = false
	l.out.Write(l.buf.Bytes())
	l.buf.Reset()
}

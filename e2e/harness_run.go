package e2e

import (
	"fmt"
	"net/http"
	"os"
	"strings"
	"time"
)

// This file is the life of the tocsin under test: start, stop, kill,
// restart, signal.

// Start runs tocsin on the settings and waits until /healthz answers. In a
// child, a kill by a stand-in's hook while it starts is not an error: the
// test restarts it.
func (h *Harness) Start() {
	h.t.Helper()
	h.mu.Lock()
	if h.proc != nil {
		h.mu.Unlock()
		h.t.Fatal("e2e: Start while tocsin runs")
	}
	h.starts++
	n, env := h.starts, make(map[string]string, len(h.env))
	for k, v := range h.env {
		env[k] = v
	}
	h.mu.Unlock()
	fmt.Fprintf(h.Logs, "--- e2e harness: start #%d\n", n)
	var p process
	var err error
	if h.opts.Child {
		p, err = launchChild(env, h.Now(), h.Logs)
	} else {
		p, err = launchInProcess(env, h.deps(), h.Logs)
	}
	if err != nil {
		h.t.Fatalf("start tocsin: %v\n%s", err, tail(h.Logs.String(), 60))
	}
	h.mu.Lock()
	h.proc = p
	h.mu.Unlock()
	h.waitHealthy(p)
}

// waitHealthy polls /healthz until it answers 200.
func (h *Harness) waitHealthy(p process) {
	h.t.Helper()
	deadline := time.Now().Add(30 * time.Second)
	for {
		resp, err := http.Get(h.URL + "/healthz")
		if err == nil {
			resp.Body.Close()
			if resp.StatusCode == http.StatusOK {
				return
			}
		}
		select {
		case <-p.exited():
			h.mu.Lock()
			killed := h.proc != p
			h.mu.Unlock()
			if killed {
				return // a hook killed it while it started; the test restarts it
			}
			h.take()
			h.t.Fatalf("tocsin exited before it was healthy: %v\n%s", p.stop(), tail(h.Logs.String(), 60))
		default:
		}
		if time.Now().After(deadline) {
			h.t.Fatalf("tocsin not healthy after 30s:\n%s", tail(h.Logs.String(), 60))
		}
		time.Sleep(20 * time.Millisecond)
	}
}

// Stop shuts tocsin down cleanly (its context cancelled, or SIGTERM for a
// child), waits for it and returns how it ended; nil when it was stopped.
func (h *Harness) Stop() error {
	p := h.take()
	if p == nil {
		return nil
	}
	err := p.stop()
	fmt.Fprintf(h.Logs, "--- e2e harness: stopped\n")
	return err
}

// Kill SIGKILLs the child and reaps it: nothing of it runs when Kill
// returns. It may be called from a stand-in's hook, and when tocsin is
// down. In-process, the test fails: a process cannot kill itself.
func (h *Harness) Kill() {
	if !h.opts.Child {
		h.t.Error("e2e: Kill needs Options.Child")
		return
	}
	if p := h.take(); p != nil {
		p.kill()
		fmt.Fprintf(h.Logs, "--- e2e harness: killed\n")
	}
}

// Restart kills a child (stops tocsin in-process) and starts it again on
// the same store and address.
func (h *Harness) Restart() {
	h.t.Helper()
	if h.opts.Child {
		h.Kill()
	} else if err := h.Stop(); err != nil {
		h.t.Errorf("stop before the restart: %v", err)
	}
	h.Start()
}

// Signal sends sig to the process tocsin runs in: the child, or in-process
// this test binary (SIGHUP reloads every in-process tocsin).
func (h *Harness) Signal(sig os.Signal) {
	h.mu.Lock()
	defer h.mu.Unlock()
	if h.proc != nil {
		h.proc.signal(sig)
	}
}

// take returns the running process and forgets it.
func (h *Harness) take() process {
	h.mu.Lock()
	defer h.mu.Unlock()
	p := h.proc
	h.proc = nil
	return p
}

func (h *Harness) cleanup() {
	if h.opts.Child {
		h.Kill()
	} else if err := h.Stop(); err != nil {
		h.t.Errorf("tocsin did not stop cleanly: %v", err)
	}
	if strings.Contains(h.Logs.String(), "WARNING: DATA RACE") {
		h.t.Errorf("the tocsin child reported a data race:\n%s", h.Logs)
	}
	if h.t.Failed() {
		h.t.Logf("tocsin's log:\n%s", tail(h.Logs.String(), 120))
	}
}

func tail(s string, lines int) string {
	ls := strings.Split(s, "\n")
	return strings.Join(ls[max(0, len(ls)-lines):], "\n")
}

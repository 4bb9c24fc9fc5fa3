package main

import (
	"bufio"
	"bytes"
	"context"
	"errors"
	"fmt"
	"io"
	"net"
	"net/http"
	"os"
	"os/exec"
	"path/filepath"
	"strconv"
	"strings"
	"sync"
	"syscall"
	"time"
)

// buildTocsin builds the tocsin binary from the module root into dir.
func buildTocsin(ctx context.Context, dir string) (string, error) {
	out, err := exec.CommandContext(ctx, "go", "env", "GOMOD").Output()
	if err != nil {
		return "", fmt.Errorf("go env GOMOD: %w", err)
	}
	gomod := strings.TrimSpace(string(out))
	if gomod == "" || gomod == os.DevNull {
		return "", errors.New("run storm inside the tocsin module (go env GOMOD is empty)")
	}
	bin := filepath.Join(dir, "tocsin")
	cmd := exec.CommandContext(ctx, "go", "build", "-o", bin, ".")
	cmd.Dir = filepath.Dir(gomod)
	if out, err := cmd.CombinedOutput(); err != nil {
		return "", fmt.Errorf("go build tocsin: %w\n%s", err, out)
	}
	return bin, nil
}

// freeAddr returns a 127.0.0.1 address nobody is listening on.
func freeAddr() (string, error) {
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		return "", err
	}
	defer ln.Close()
	return ln.Addr().String(), nil
}

// child is tocsin running as a separate process.
type child struct {
	cmd    *exec.Cmd
	base   string
	token  string
	db     string
	pprof  string // TOCSIN_PPROF_ADDR, or ""
	logs   string
	exited chan struct{}
	err    error // set when exited is closed
}

// startChild runs bin with env (a fresh environment: nothing of ours leaks
// into tocsin's AWS or Slack settings) and waits for /healthz.
func startChild(ctx context.Context, bin string, env map[string]string, logs string) (*child, error) {
	c := &child{base: "http://" + env["TOCSIN_ADDR"], token: env["TOCSIN_API_TOKEN"], db: env["TOCSIN_DB"],
		pprof: env["TOCSIN_PPROF_ADDR"], logs: logs, exited: make(chan struct{})}
	lf, err := os.Create(logs)
	if err != nil {
		return nil, err
	}
	c.cmd = exec.Command(bin, "serve")
	c.cmd.Stdout, c.cmd.Stderr = lf, lf
	c.cmd.Env = []string{"PATH=" + os.Getenv("PATH"), "HOME=" + filepath.Dir(logs)}
	for k, v := range env {
		c.cmd.Env = append(c.cmd.Env, k+"="+v)
	}
	if err := c.cmd.Start(); err != nil {
		lf.Close()
		return nil, fmt.Errorf("start tocsin: %w", err)
	}
	go func() { c.err = c.cmd.Wait(); lf.Close(); close(c.exited) }()
	if err := c.waitHealthy(ctx, 30*time.Second); err != nil {
		c.stop()
		return nil, err
	}
	return c, nil
}

func (c *child) waitHealthy(ctx context.Context, within time.Duration) error {
	deadline := time.Now().Add(within)
	for time.Now().Before(deadline) {
		resp, err := http.Get(c.base + "/healthz")
		if err == nil {
			resp.Body.Close()
			if resp.StatusCode == http.StatusOK {
				return nil
			}
		}
		select {
		case <-c.exited:
			return fmt.Errorf("tocsin exited before it was healthy (%v):\n%s", c.err, c.tail(20))
		case <-ctx.Done():
			return ctx.Err()
		case <-time.After(50 * time.Millisecond):
		}
	}
	return fmt.Errorf("tocsin not healthy after %s:\n%s", within, c.tail(20))
}

// stop asks tocsin to shut down (SIGTERM: it finishes requests in flight and
// closes the store) and kills it if it has not after 20 seconds.
func (c *child) stop() error {
	c.cmd.Process.Signal(syscall.SIGTERM)
	select {
	case <-c.exited:
	case <-time.After(20 * time.Second):
		c.cmd.Process.Kill()
		<-c.exited
		return errors.New("tocsin did not stop within 20s of SIGTERM; killed")
	}
	return nil
}

// peakRSS is the child's high-water resident set size (VmHWM), in bytes.
func (c *child) peakRSS() (int64, error) {
	b, err := os.ReadFile(fmt.Sprintf("/proc/%d/status", c.cmd.Process.Pid))
	if err != nil {
		return 0, err
	}
	for line := range strings.Lines(string(b)) {
		if rest, ok := strings.CutPrefix(line, "VmHWM:"); ok {
			kb, err := strconv.ParseInt(strings.TrimSuffix(strings.TrimSpace(rest), " kB"), 10, 64)
			return kb << 10, err
		}
	}
	return 0, errors.New("no VmHWM in /proc/<pid>/status")
}

// tail returns the last n lines of tocsin's log.
func (c *child) tail(n int) string {
	b, _ := os.ReadFile(c.logs)
	lines := strings.Split(strings.TrimRight(string(b), "\n"), "\n")
	return strings.Join(lines[max(0, len(lines)-n):], "\n")
}

// logLines counts the lines tocsin logged (at warn and above).
func (c *child) logLines() int {
	b, _ := os.ReadFile(c.logs)
	return bytes.Count(b, []byte("\n"))
}

// heapSampler reads go_memstats_heap_inuse_bytes from tocsin's /metrics
// every 100 ms and keeps the largest value.
type heapSampler struct {
	mu      sync.Mutex
	peak    float64
	samples int
	done    chan struct{}
}

func sampleHeap(ctx context.Context, base string) *heapSampler {
	h := &heapSampler{done: make(chan struct{})}
	go func() {
		defer close(h.done)
		t := time.NewTicker(100 * time.Millisecond)
		defer t.Stop()
		for {
			if v, ok := scrape(base, "go_memstats_heap_inuse_bytes"); ok {
				h.mu.Lock()
				h.peak, h.samples = max(h.peak, v), h.samples+1
				h.mu.Unlock()
			}
			select {
			case <-ctx.Done():
				return
			case <-t.C:
			}
		}
	}()
	return h
}

// result waits for the sampler to stop and returns the peak and the count.
func (h *heapSampler) result() (int64, int) {
	<-h.done
	h.mu.Lock()
	defer h.mu.Unlock()
	return int64(h.peak), h.samples
}

// scrape reads one unlabelled metric from tocsin's /metrics.
func scrape(base, metric string) (float64, bool) {
	resp, err := http.Get(base + "/metrics")
	if err != nil {
		return 0, false
	}
	defer resp.Body.Close()
	sc := bufio.NewScanner(io.LimitReader(resp.Body, 4<<20))
	for sc.Scan() {
		if rest, ok := strings.CutPrefix(sc.Text(), metric+" "); ok {
			v, err := strconv.ParseFloat(strings.TrimSpace(rest), 64)
			return v, err == nil
		}
	}
	return 0, false
}

package e2e

// The fault-injection suite: go test -run Fault . (RELIABILITY.md lists what
// it proves). tocsin runs as a real child process — this test binary run
// again with TOCSIN_FAULT_CHILD=1 — so that a test can SIGKILL it at any
// step and restart it on the same store, while the Slack, SSM and
// CloudWatch stand-ins live in the test process and outlast it.

import (
	"context"
	"fmt"
	"maps"
	"net/http"
	"os"
	"os/exec"
	"os/signal"
	"path/filepath"
	"slices"
	"strings"
	"sync"
	"syscall"
	"testing"
	"time"

	"github.com/tocsin-dev/tocsin/cli"
)

func TestMain(m *testing.M) {
	if os.Getenv("TOCSIN_FAULT_CHILD") == "1" {
		os.Exit(faultChild())
	}
	os.Exit(m.Run())
}

// faultChild is the child process: tocsin serve, configured by its
// environment. SIGUSR1 fills the disk (no file may be written: RLIMIT_FSIZE
// 0) and SIGUSR2 frees it again.
func faultChild() int {
	signal.Ignore(syscall.SIGXFSZ) // a write past the limit fails with EFBIG instead of killing the process
	disk := make(chan os.Signal, 2)
	signal.Notify(disk, syscall.SIGUSR1, syscall.SIGUSR2)
	go func() {
		var lim syscall.Rlimit
		if err := syscall.Getrlimit(syscall.RLIMIT_FSIZE, &lim); err != nil {
			fmt.Fprintln(os.Stderr, "fault child: getrlimit:", err)
			return
		}
		for sig := range disk {
			set := lim
			if sig == syscall.SIGUSR1 {
				set.Cur = 0
			}
			if err := syscall.Setrlimit(syscall.RLIMIT_FSIZE, &set); err != nil {
				fmt.Fprintln(os.Stderr, "fault child: setrlimit:", err)
			}
		}
	}()
	ctx, stop := signal.NotifyContext(context.Background(), os.Interrupt, syscall.SIGTERM)
	defer stop()
	if err := cli.Run(ctx, []string{"tocsin", "serve"}, os.Getenv, os.Stdout, os.Stderr); err != nil {
		fmt.Fprintln(os.Stderr, "tocsin:", err)
		return 1
	}
	return 0
}

// tocsinProc is one tocsin child process, restartable on the same store
// and address.
type tocsinProc struct {
	t    *testing.T
	env  map[string]string
	base string
	logs *SyncBuffer

	mu     sync.Mutex
	cmd    *exec.Cmd
	exited chan struct{}
	killed *exec.Cmd // the last child kill was called on
	starts int
}

// childEnvPrefixes are the variables of the test's own environment the
// child does not inherit: its configuration is exactly what the test sets.
var childEnvPrefixes = []string{"TOCSIN_", "SLACK_", "AWS_", "HTTP_PROXY", "HTTPS_PROXY", "NO_PROXY",
	"http_proxy", "https_proxy", "no_proxy", "SSL_CERT_"}

func newProc(t *testing.T, settings map[string]string) *tocsinProc {
	t.Helper()
	p := &tocsinProc{t: t, env: settings, logs: &SyncBuffer{}}
	if p.env["TOCSIN_ADDR"] == "" {
		p.env["TOCSIN_ADDR"] = FreeAddr(t)
	}
	if p.env["TOCSIN_DB"] == "" {
		p.env["TOCSIN_DB"] = filepath.Join(t.TempDir(), "tocsin.db")
	}
	p.base = "http://" + p.env["TOCSIN_ADDR"]
	t.Cleanup(func() {
		p.kill()
		if strings.Contains(p.logs.String(), "WARNING: DATA RACE") {
			t.Errorf("the tocsin child reported a data race:\n%s", p.logs)
		}
		if t.Failed() {
			t.Logf("tocsin child logs:\n%s", tail(p.logs.String(), 120))
		}
	})
	return p
}

func tail(s string, lines int) string {
	ls := strings.Split(s, "\n")
	return strings.Join(ls[max(0, len(ls)-lines):], "\n")
}

// start runs the child and waits until /healthz answers.
func (p *tocsinProc) start() {
	p.t.Helper()
	env := slices.DeleteFunc(os.Environ(), func(kv string) bool {
		return slices.ContainsFunc(childEnvPrefixes, func(pre string) bool { return strings.HasPrefix(kv, pre) })
	})
	env = append(env, "TOCSIN_FAULT_CHILD=1")
	for _, k := range slices.Sorted(maps.Keys(p.env)) {
		env = append(env, k+"="+p.env[k])
	}
	cmd := exec.Command(os.Args[0], "-test.run=^$")
	cmd.Env = env
	cmd.Stdout, cmd.Stderr = p.logs, p.logs
	p.mu.Lock()
	p.starts++
	fmt.Fprintf(p.logs, "--- fault harness: start #%d\n", p.starts)
	if err := cmd.Start(); err != nil {
		p.mu.Unlock()
		p.t.Fatal(err)
	}
	exited := make(chan struct{})
	go func() { cmd.Wait(); close(exited) }()
	p.cmd, p.exited = cmd, exited
	p.mu.Unlock()
	deadline := time.Now().Add(30 * time.Second)
	for {
		resp, err := http.Get(p.base + "/healthz")
		if err == nil {
			resp.Body.Close()
			if resp.StatusCode == 200 {
				return
			}
		}
		select {
		case <-exited:
			p.mu.Lock()
			killed := p.killed == cmd
			p.mu.Unlock()
			if killed {
				return // a hook killed it while it started; the test restarts it
			}
			p.t.Fatalf("tocsin exited before it was healthy:\n%s", tail(p.logs.String(), 60))
		default:
		}
		if time.Now().After(deadline) {
			p.t.Fatalf("tocsin not healthy after 30s:\n%s", tail(p.logs.String(), 60))
		}
		time.Sleep(20 * time.Millisecond)
	}
}

// kill SIGKILLs the child and reaps it; nothing of it runs when kill
// returns. It may be called from a stand-in's hook, and when no child runs.
func (p *tocsinProc) kill() {
	p.mu.Lock()
	cmd, exited := p.cmd, p.exited
	p.mu.Unlock()
	if cmd == nil {
		return
	}
	p.mu.Lock()
	p.killed = cmd
	p.mu.Unlock()
	cmd.Process.Kill()
	<-exited
	fmt.Fprintf(p.logs, "--- fault harness: killed\n")
}

// stop shuts the child down cleanly (SIGTERM) and waits for it.
func (p *tocsinProc) stop() {
	p.t.Helper()
	p.mu.Lock()
	cmd, exited := p.cmd, p.exited
	p.mu.Unlock()
	if cmd == nil {
		return
	}
	cmd.Process.Signal(syscall.SIGTERM)
	select {
	case <-exited:
	case <-time.After(20 * time.Second):
		p.t.Errorf("tocsin did not stop within 20s of SIGTERM")
		p.kill()
	}
	fmt.Fprintf(p.logs, "--- fault harness: stopped\n")
}

// signal sends sig to the running child.
func (p *tocsinProc) signal(sig os.Signal) {
	p.mu.Lock()
	defer p.mu.Unlock()
	if p.cmd != nil {
		p.cmd.Process.Signal(sig)
	}
}

// restart kills the child if it runs and starts it again.
func (p *tocsinProc) restart() {
	p.t.Helper()
	p.kill()
	p.start()
}

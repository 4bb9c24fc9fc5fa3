package e2e

import (
	"context"
	"errors"
	"fmt"
	"io"
	"maps"
	"net"
	"os"
	"os/exec"
	"os/signal"
	"slices"
	"strings"
	"syscall"
	"testing"
	"time"

	"github.com/tocsin-dev/tocsin/app"
)

// serve runs tocsin as `tocsin serve` does, through package app, until ctx
// ends: its configuration from getenv, its log to logs at the configured
// level. ln nil listens on TOCSIN_ADDR.
func serve(ctx context.Context, getenv func(string) string, d app.Deps, logs io.Writer, ln net.Listener) error {
	cfg, err := app.LoadConfig(getenv)
	if err != nil {
		return fmt.Errorf("configuration:\n%w", err)
	}
	d.Logger, d.Getenv = app.NewLogger(logs, cfg.LogLevel), getenv
	a, err := app.New(ctx, cfg, d)
	if err != nil {
		return err
	}
	return a.Serve(ctx, ln)
}

// deps are the app.Deps the options inject in-process.
func (h *Harness) deps() app.Deps {
	return app.Deps{Now: h.opts.Now, HTTP: h.opts.HTTP, HostAllowed: h.opts.HostAllowed}
}

// inProcess is tocsin served by a goroutine of the test.
type inProcess struct {
	cancel context.CancelFunc
	done   chan struct{}
	err    error // set before done is closed
}

// launchInProcess listens on TOCSIN_ADDR (loopback) and serves there.
func launchInProcess(env map[string]string, d app.Deps, logs io.Writer) (process, error) {
	ln, err := net.Listen("tcp", env["TOCSIN_ADDR"])
	if err != nil {
		return nil, fmt.Errorf("listen on TOCSIN_ADDR: %w", err)
	}
	ctx, cancel := context.WithCancel(context.Background())
	p := &inProcess{cancel: cancel, done: make(chan struct{})}
	go func() {
		defer close(p.done)
		p.err = serve(ctx, func(k string) string { return env[k] }, d, logs, ln)
		ln.Close() // when serve failed before it took the listener
	}()
	return p, nil
}

func (p *inProcess) exited() <-chan struct{} { return p.done }

func (p *inProcess) stop() error {
	p.cancel()
	select {
	case <-p.done:
		return p.err
	case <-time.After(20 * time.Second):
		return errors.New("tocsin did not shut down within 20s")
	}
}

func (p *inProcess) kill() { p.stop() }

func (p *inProcess) signal(sig os.Signal) {
	if s, ok := sig.(syscall.Signal); ok {
		syscall.Kill(os.Getpid(), s)
	}
}

// The child is this test binary run again with childEnv set: Main serves
// tocsin in it instead of running tests. clockEnv carries the test's clock.
const (
	childEnv = "E2E_TOCSIN_CHILD"
	clockEnv = "E2E_TOCSIN_CLOCK"
)

// childEnvPrefixes are the variables of the test's own environment the
// child does not inherit: its configuration is exactly what the test sets.
var childEnvPrefixes = []string{"TOCSIN_", "SLACK_", "AWS_", "E2E_TOCSIN_", "HTTP_PROXY", "HTTPS_PROXY", "NO_PROXY",
	"http_proxy", "https_proxy", "no_proxy", "SSL_CERT_"}

// child is tocsin in a child process.
type child struct {
	cmd  *exec.Cmd
	done chan struct{}
	err  error // the exit, set before done is closed
}

// launchChild runs the child with env and the clock reading now.
func launchChild(env map[string]string, now time.Time, logs io.Writer) (process, error) {
	environ := slices.DeleteFunc(os.Environ(), func(kv string) bool {
		return slices.ContainsFunc(childEnvPrefixes, func(pre string) bool { return strings.HasPrefix(kv, pre) })
	})
	environ = append(environ, childEnv+"=1", clockEnv+"="+now.UTC().Format(time.RFC3339Nano))
	for _, k := range slices.Sorted(maps.Keys(env)) {
		environ = append(environ, k+"="+env[k])
	}
	cmd := exec.Command(os.Args[0], "-test.run=^$")
	cmd.Env, cmd.Stdout, cmd.Stderr = environ, logs, logs
	if err := cmd.Start(); err != nil {
		return nil, err
	}
	c := &child{cmd: cmd, done: make(chan struct{})}
	go func() { c.err = cmd.Wait(); close(c.done) }()
	return c, nil
}

func (c *child) exited() <-chan struct{} { return c.done }

// stop sends SIGTERM and waits; a child that does not stop in 20 s is
// killed.
func (c *child) stop() error {
	c.cmd.Process.Signal(syscall.SIGTERM)
	select {
	case <-c.done:
		return c.err
	case <-time.After(20 * time.Second):
		c.kill()
		return errors.New("tocsin did not stop within 20s of SIGTERM")
	}
}

func (c *child) kill() {
	c.cmd.Process.Kill()
	<-c.done
}

func (c *child) signal(sig os.Signal) { c.cmd.Process.Signal(sig) }

// Main is the TestMain of a package whose tests use Options.Child: in the
// child it serves tocsin and returns its exit code; otherwise it runs the
// tests.
//
//	func TestMain(m *testing.M) { os.Exit(e2e.Main(m)) }
func Main(m *testing.M) int {
	if os.Getenv(childEnv) != "1" {
		return m.Run()
	}
	return runChild()
}

// runChild is the child: tocsin serve, configured by its environment, with
// the test's clock. SIGUSR1 fills the disk (no file may grow:
// RLIMIT_FSIZE 0) and SIGUSR2 frees it again.
func runChild() int {
	signal.Ignore(syscall.SIGXFSZ) // a write past the limit fails with EFBIG instead of killing the process
	diskFullOnSignal()
	ctx, stop := signal.NotifyContext(context.Background(), os.Interrupt, syscall.SIGTERM)
	defer stop()
	app.TuneGC(os.Getenv)
	var d app.Deps
	if at, err := time.Parse(time.RFC3339Nano, os.Getenv(clockEnv)); err == nil {
		d.Now = Clock(at)
	}
	if err := serve(ctx, os.Getenv, d, os.Stderr, nil); err != nil {
		fmt.Fprintln(os.Stderr, "tocsin:", err)
		return 1
	}
	return 0
}

// diskFullOnSignal sets RLIMIT_FSIZE to 0 on SIGUSR1 and back on SIGUSR2,
// from the moment it returns.
func diskFullOnSignal() {
	disk := make(chan os.Signal, 2)
	signal.Notify(disk, syscall.SIGUSR1, syscall.SIGUSR2)
	var lim syscall.Rlimit
	if err := syscall.Getrlimit(syscall.RLIMIT_FSIZE, &lim); err != nil {
		fmt.Fprintln(os.Stderr, "e2e child: getrlimit:", err)
		return
	}
	go func() {
		for sig := range disk {
			set := lim
			if sig == syscall.SIGUSR1 {
				set.Cur = 0
			}
			if err := syscall.Setrlimit(syscall.RLIMIT_FSIZE, &set); err != nil {
				fmt.Fprintln(os.Stderr, "e2e child: setrlimit:", err)
			}
		}
	}()
}

package app

import (
	"context"
	"errors"
	"fmt"
	"io"
	"log/slog"
	"net"
	"net/http"
	"os"
	"runtime/debug"
	"sync"
	"time"

	"golang.org/x/term"
)

// gcPercent is tocsin's garbage-collector setting unless GOGC is set. The
// live heap is small (tens of MB even in a storm), so Go's default of 100
// collects very often when thousands of notifications a second arrive:
// bench/storm measured about a tenth of tocsin's CPU in the collector. 200
// trades about 12 MiB of RSS in the default storm (90 -> 102 MiB) for that
// CPU (BENCHMARKS.md).
const gcPercent = 200

// TuneGC sets the collector to gcPercent unless GOGC is set.
func TuneGC(getenv func(string) string) {
	if getenv("GOGC") == "" {
		debug.SetGCPercent(gcPercent)
	}
}

// NewLogger writes JSON when stderr is not a terminal, text when it is.
func NewLogger(w io.Writer, level slog.Level) *slog.Logger {
	opts := &slog.HandlerOptions{Level: level}
	if f, ok := w.(*os.File); ok && term.IsTerminal(int(f.Fd())) {
		return slog.New(slog.NewTextHandler(w, opts))
	}
	return slog.New(slog.NewJSONHandler(w, opts))
}

// Serve listens (on ln if given, else cfg.Addr), runs the background parts,
// and on ctx's end shuts down in order: stop taking requests and finish
// those in flight, stop the background work, close the store.
func (a *App) Serve(ctx context.Context, ln net.Listener) error {
	if ln == nil {
		var err error
		if ln, err = net.Listen("tcp", a.cfg.Addr); err != nil {
			a.store.Close()
			return fmt.Errorf("listen on TOCSIN_ADDR %s: %w", a.cfg.Addr, err)
		}
	}
	srv := &http.Server{
		Handler:           a.routes(),
		ReadHeaderTimeout: 5 * time.Second, // slow-loris clients are cut off
		ReadTimeout:       15 * time.Second,
		WriteTimeout:      30 * time.Second,
		IdleTimeout:       90 * time.Second,
		MaxHeaderBytes:    64 << 10,
	}
	bg, stopBG := context.WithCancel(context.WithoutCancel(ctx))
	var wg sync.WaitGroup
	every, once := a.parts()
	for _, part := range every {
		wg.Add(1)
		go func() {
			defer wg.Done()
			a.runPart(bg, part)
		}()
	}
	wg.Add(1)
	go func() {
		defer wg.Done()
		a.runOnce(bg, once)
	}()
	errc := make(chan error, 1)
	go func() { errc <- srv.Serve(ln) }()
	a.log.Info("listening", "addr", ln.Addr().String(), "store", a.backend(), "role", a.role(), "config", a.cfg)
	var serveErr error
	select {
	case <-ctx.Done():
	case serveErr = <-errc:
	}
	a.log.Info("shutting down")
	shut, cancel := context.WithTimeout(context.Background(), 10*time.Second)
	defer cancel()
	if err := srv.Shutdown(shut); err != nil {
		a.log.Warn("http shutdown", "err", err)
	}
	stopBG()
	wg.Wait()
	if err := a.store.Close(); err != nil {
		return fmt.Errorf("close store: %w", err)
	}
	if serveErr != nil && !errors.Is(serveErr, http.ErrServerClosed) {
		return serveErr
	}
	return nil
}

// runPart runs one background part until ctx ends, logging how it stopped.
func (a *App) runPart(ctx context.Context, part background) {
	if err := part.run(ctx); err != nil && !errors.Is(err, context.Canceled) {
		a.log.Error("background part stopped", "part", part.name, "err", err)
	}
}

// runParts runs parts together and returns when all have stopped.
func (a *App) runParts(ctx context.Context, parts []background) {
	var wg sync.WaitGroup
	for _, part := range parts {
		wg.Add(1)
		go func() {
			defer wg.Done()
			a.runPart(ctx, part)
		}()
	}
	wg.Wait()
}

package main

import (
	"context"
	"fmt"
	"io"
	"net/http"
	"os"
	"time"
)

// profile starts a CPU profile of the child that covers the sending phase
// (-duration plus a second) when -cpuprofile is set. The returned function
// waits for it, writes it to the file, and writes the allocations since
// tocsin started to FILE.allocs.
func (b *bench) profile(ctx context.Context, c *child) func() error {
	if b.opts.cpuProfile == "" || c.pprof == "" {
		return func() error { return nil }
	}
	secs := int((b.opts.duration + time.Second).Seconds())
	done := make(chan error, 1)
	go func() {
		done <- fetch(ctx, fmt.Sprintf("http://%s/debug/pprof/profile?seconds=%d", c.pprof, secs), b.opts.cpuProfile)
	}()
	return func() error {
		if err := <-done; err != nil {
			return err
		}
		b.logf("cpu profile of %ds written to %s", secs, b.opts.cpuProfile)
		allocs := b.opts.cpuProfile + ".allocs"
		if err := fetch(ctx, "http://"+c.pprof+"/debug/pprof/allocs", allocs); err != nil {
			return err
		}
		b.logf("allocations since tocsin started written to %s", allocs)
		return nil
	}
}

// fetch writes what url answers to the file path.
func fetch(ctx context.Context, url, path string) error {
	req, err := http.NewRequestWithContext(ctx, "GET", url, nil)
	if err != nil {
		return err
	}
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		return err
	}
	defer resp.Body.Close()
	if resp.StatusCode != 200 {
		return fmt.Errorf("GET %s: %s", url, resp.Status)
	}
	f, err := os.Create(path)
	if err != nil {
		return err
	}
	_, err = io.Copy(f, resp.Body)
	if cerr := f.Close(); err == nil {
		err = cerr
	}
	return err
}

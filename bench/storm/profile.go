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
// waits for it and writes it to the file.
func (b *bench) profile(ctx context.Context, c *child) func() error {
	if b.opts.cpuProfile == "" || c.pprof == "" {
		return func() error { return nil }
	}
	secs := int((b.opts.duration + time.Second).Seconds())
	done := make(chan error, 1)
	go func() {
		url := fmt.Sprintf("http://%s/debug/pprof/profile?seconds=%d", c.pprof, secs)
		req, err := http.NewRequestWithContext(ctx, "GET", url, nil)
		if err != nil {
			done <- err
			return
		}
		resp, err := http.DefaultClient.Do(req)
		if err != nil {
			done <- err
			return
		}
		defer resp.Body.Close()
		if resp.StatusCode != 200 {
			done <- fmt.Errorf("GET %s: %s", url, resp.Status)
			return
		}
		f, err := os.Create(b.opts.cpuProfile)
		if err != nil {
			done <- err
			return
		}
		_, err = io.Copy(f, resp.Body)
		if cerr := f.Close(); err == nil {
			err = cerr
		}
		done <- err
	}()
	return func() error {
		err := <-done
		if err == nil {
			b.logf("cpu profile of %ds written to %s", secs, b.opts.cpuProfile)
		}
		return err
	}
}

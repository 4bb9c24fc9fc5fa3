package main

import (
	"bytes"
	"context"
	"io"
	"net/http"
	"sync"
	"time"
)

// outcome is what happened to one delivery.
type outcome struct {
	status  int           // 0: no response (connection error, timeout)
	latency time.Duration // from the scheduled send time to the response
}

// storm is the result of sending the whole plan.
type storm struct {
	start    time.Time
	elapsed  time.Duration // from the start to the last response
	outcomes []outcome     // by delivery
}

// send delivers the plan open loop: a scheduler hands each delivery to the
// worker pool at its scheduled time whatever happened to the earlier ones,
// and latency is counted from that time, so waiting for a free worker
// (queueing) is part of it.
func send(ctx context.Context, base string, p *plan, workers int) *storm {
	client := &http.Client{Timeout: 30 * time.Second, Transport: &http.Transport{
		MaxIdleConns: workers, MaxIdleConnsPerHost: workers, MaxConnsPerHost: workers,
		DisableCompression: true, IdleConnTimeout: time.Minute,
	}}
	defer client.CloseIdleConnections()
	s := &storm{start: time.Now().Add(100 * time.Millisecond), outcomes: make([]outcome, len(p.deliveries))}
	jobs := make(chan int, len(p.deliveries))
	var (
		wg   sync.WaitGroup
		mu   sync.Mutex
		last time.Time
	)
	for range workers {
		wg.Add(1)
		go func() {
			defer wg.Done()
			for i := range jobs {
				s.outcomes[i] = deliver(ctx, client, base, p.deliveries[i].msg.body, s.start.Add(p.deliveries[i].at))
				mu.Lock()
				last = time.Now()
				mu.Unlock()
			}
		}()
	}
	schedule(ctx, s.start, p, jobs)
	wg.Wait()
	s.elapsed = last.Sub(s.start)
	return s
}

// schedule releases each delivery at its time.
func schedule(ctx context.Context, start time.Time, p *plan, jobs chan<- int) {
	defer close(jobs)
	for i, d := range p.deliveries {
		if wait := time.Until(start.Add(d.at)); wait > 0 {
			select {
			case <-time.After(wait):
			case <-ctx.Done():
				return
			}
		}
		jobs <- i
	}
}

// deliver POSTs one notification the way SNS does.
func deliver(ctx context.Context, c *http.Client, base string, body []byte, scheduled time.Time) outcome {
	req, err := http.NewRequestWithContext(ctx, http.MethodPost, base+"/sns", bytes.NewReader(body))
	if err != nil {
		return outcome{latency: time.Since(scheduled)}
	}
	req.Header.Set("Content-Type", "text/plain; charset=UTF-8")
	req.Header.Set("x-amz-sns-message-type", "Notification")
	req.Header.Set("x-amz-sns-topic-arn", stormTopic)
	req.Header.Set("User-Agent", "Amazon Simple Notification Service Agent")
	resp, err := c.Do(req)
	if err != nil {
		return outcome{latency: time.Since(scheduled)}
	}
	io.Copy(io.Discard, resp.Body)
	resp.Body.Close()
	return outcome{status: resp.StatusCode, latency: time.Since(scheduled)}
}

// acked is the set of MessageIds that got at least one 200.
func (s *storm) acked(p *plan) map[string]bool {
	ids := map[string]bool{}
	for i, o := range s.outcomes {
		if o.status == http.StatusOK && !p.deliveries[i].msg.forged {
			ids[p.deliveries[i].msg.id] = true
		}
	}
	return ids
}

// statuses counts the deliveries by HTTP status (0: no response).
func (s *storm) statuses() map[int]int {
	n := map[int]int{}
	for _, o := range s.outcomes {
		n[o.status]++
	}
	return n
}

// ackLatencies are the latencies of the acknowledged (200) deliveries.
func (s *storm) ackLatencies() []time.Duration {
	var out []time.Duration
	for _, o := range s.outcomes {
		if o.status == http.StatusOK {
			out = append(out, o.latency)
		}
	}
	return out
}

package main

import (
	"cmp"
	"encoding/json"
	"fmt"
	"io"
	"math"
	"os"
	"runtime"
	"slices"
	"syscall"
	"text/tabwriter"
	"time"

	"github.com/tocsin-dev/tocsin/store"
)

// Report is everything storm measured.
type Report struct {
	When        time.Time `json:"when"`
	Workload    Workload  `json:"workload"`
	Ack         Ack       `json:"ack"`
	Slack       Slack     `json:"slack"`
	Drain       drain     `json:"drain"`
	PeakHeap    int64     `json:"peak_heap_inuse_bytes"`
	HeapSamples int       `json:"heap_samples"`
	PeakRSS     int64     `json:"peak_rss_bytes"`
	CPU         CPU       `json:"cpu_while_sending"`
	// Postgres is what the server did while sending (-db only).
	Postgres *PGActivity `json:"postgres_while_sending,omitempty"`
	Store    Store       `json:"store"`
	LogLines int         `json:"tocsin_log_lines_warn_or_worse"`
	Check    Check       `json:"check"`
}

// Workload is what was sent.
type Workload struct {
	Notifications int           `json:"notifications"`
	Distinct      int           `json:"distinct_message_ids"`
	Redeliveries  int           `json:"redeliveries"`
	Forged        int           `json:"forged"`
	Alarms        int           `json:"alarms"`
	Services      int           `json:"services"`
	Duration      time.Duration `json:"duration_ns"`
	OfferedRate   float64       `json:"offered_per_second"`
	Workers       int           `json:"workers"`
	SlackLatency  time.Duration `json:"slack_latency_ns"`
	CPUs          int           `json:"cpus"`
	Standby       int           `json:"standby_channels"`
	GOGC          string        `json:"gogc,omitempty"`
	Backend       string        `json:"backend"` // bbolt or postgresql
}

func workloadOf(o options, p *plan) Workload {
	return Workload{Notifications: len(p.deliveries), Distinct: len(p.messages), Redeliveries: len(p.deliveries) - len(p.messages) - len(p.forged), Forged: len(p.forged),
		Alarms: o.alarms, Services: o.services, Duration: o.duration, Workers: o.workers, SlackLatency: o.latency,
		OfferedRate: float64(len(p.deliveries)) / o.duration.Seconds(), CPUs: runtime.NumCPU(),
		Standby: o.standby, GOGC: o.gogc, Backend: backendOf(o)}
}

// backendOf names the store backend tocsin runs on.
func backendOf(o options) string {
	if o.db != "" {
		return "postgresql"
	}
	return "bbolt"
}

// Ack is how POST /sns answered.
type Ack struct {
	Acknowledged int         `json:"acknowledged"`
	PerSecond    float64     `json:"acknowledged_per_second"`
	Elapsed      float64     `json:"elapsed_seconds"`
	Latency      dist        `json:"latency_ms"`
	Statuses     map[int]int `json:"statuses"`
	// CPUSeconds is tocsin's CPU time (process_cpu_seconds_total) over the
	// sending phase; 0 if it could not be read.
	CPUSeconds float64 `json:"tocsin_cpu_seconds"`
}

// cpuLine says how much of the machine tocsin used and what one
// notification cost it.
func (a Ack) cpuLine() string {
	if a.CPUSeconds <= 0 || a.Acknowledged == 0 {
		return "unavailable"
	}
	per := a.CPUSeconds / float64(a.Acknowledged)
	return fmt.Sprintf("%.1f s over %.1f s = %.2f cores; %.0f µs per notification (%.0f/s per core)",
		a.CPUSeconds, a.Elapsed, a.CPUSeconds/a.Elapsed, per*1e6, 1/per)
}

func ackReport(s *storm) Ack {
	lat := s.ackLatencies()
	return Ack{Acknowledged: len(lat), PerSecond: float64(len(lat)) / s.elapsed.Seconds(),
		Elapsed: s.elapsed.Seconds(), Latency: newDist(lat), Statuses: s.statuses()}
}

// Store is the store after tocsin shut down: the bbolt file, or the
// PostgreSQL schema.
type Store struct {
	Backend        string  `json:"backend"`
	FileBytes      int64   `json:"file_bytes"`
	DiskBytes      int64   `json:"allocated_on_disk_bytes"`
	UsedBytes      int64   `json:"bbolt_high_water_bytes"`
	PerEventFile   float64 `json:"file_bytes_per_timeline_event"`
	PerEventUsed   float64 `json:"used_bytes_per_timeline_event"`
	OutboxLeftover int     `json:"outbox_effects_left"`
	// OutboxByKind counts the effects left by kind and coalescing key.
	OutboxByKind map[string]int `json:"outbox_effects_left_by_kind,omitempty"`
	// Schema is the PostgreSQL schema; RelationBytes the sum of its
	// tables' pg_total_relation_size (heap, indexes, TOAST), TableBytes
	// each table's.
	Schema            string           `json:"schema,omitempty"`
	RelationBytes     int64            `json:"tables_and_indexes_bytes,omitempty"`
	PerEventRelations float64          `json:"tables_and_indexes_bytes_per_timeline_event,omitempty"`
	TableBytes        map[string]int64 `json:"bytes_by_table,omitempty"`
}

// storeReport opens the file read-only once tocsin has closed it.
func storeReport(path string, events int) (Store, error) {
	fi, err := os.Stat(path)
	if err != nil {
		return Store{}, err
	}
	s := Store{Backend: "bbolt", FileBytes: fi.Size()}
	if st, ok := fi.Sys().(*syscall.Stat_t); ok {
		s.DiskBytes = st.Blocks * 512
	}
	db, err := store.Open(path, store.Options{ReadOnly: true})
	if err != nil {
		return s, err
	}
	defer db.Close()
	s.UsedBytes, s.OutboxLeftover = db.Size(), db.Pending()
	left, err := db.Due(time.Now().Add(100*365*24*time.Hour), s.OutboxLeftover)
	if err != nil {
		return s, err
	}
	for _, e := range left {
		if s.OutboxByKind == nil {
			s.OutboxByKind = map[string]int{}
		}
		s.OutboxByKind[string(e.Kind)]++
	}
	if events > 0 {
		s.PerEventFile = float64(s.FileBytes) / float64(events)
		s.PerEventUsed = float64(s.UsedBytes) / float64(events)
	}
	return s, nil
}

// line is the store's row of the table.
func (s Store) line(events int) string {
	if s.Backend == "postgresql" {
		return fmt.Sprintf("PostgreSQL schema %s: tables and indexes %s; %.0f B/event, %d timeline events; by table %v",
			s.Schema, mib(s.RelationBytes), s.PerEventRelations, events, s.TableBytes)
	}
	return fmt.Sprintf("file %s (%s allocated), bbolt used %s; %.0f B/event of file, %.0f B/event used, %d timeline events",
		mib(s.FileBytes), mib(s.DiskBytes), mib(s.UsedBytes), s.PerEventFile, s.PerEventUsed, events)
}

// dist summarises durations, in milliseconds.
type dist struct {
	N   int     `json:"n"`
	Min float64 `json:"min"`
	P50 float64 `json:"p50"`
	P99 float64 `json:"p99"`
	Max float64 `json:"max"`
}

func newDist(ds []time.Duration) dist {
	if len(ds) == 0 {
		return dist{}
	}
	s := slices.Clone(ds)
	slices.Sort(s)
	at := func(q float64) float64 {
		i := int(math.Ceil(q*float64(len(s)))) - 1
		return float64(s[max(0, i)]) / float64(time.Millisecond)
	}
	return dist{N: len(s), Min: at(0), P50: at(0.50), P99: at(0.99), Max: at(1)}
}

func (d dist) String() string {
	return fmt.Sprintf("min %s  p50 %s  p99 %s  max %s  (n=%d)", ms(d.Min), ms(d.P50), ms(d.P99), ms(d.Max), d.N)
}

func ms(v float64) string {
	if v >= 1000 {
		return fmt.Sprintf("%.2f s", v/1000)
	}
	return fmt.Sprintf("%.1f ms", v)
}

func mib(n int64) string { return fmt.Sprintf("%.1f MiB", float64(n)/(1<<20)) }

func (r *Report) write(w io.Writer, asJSON bool) error {
	if asJSON {
		enc := json.NewEncoder(w)
		enc.SetIndent("", "  ")
		return enc.Encode(r)
	}
	t := tabwriter.NewWriter(w, 0, 0, 2, ' ', 0)
	row := func(k, format string, args ...any) { fmt.Fprintf(t, "%s\t"+format+"\n", append([]any{k}, args...)...) }
	wl := r.Workload
	row("workload", "%d notifications (%d distinct, %d redeliveries, %d forged), %d alarms, %d services, over %s (%.0f/s offered), %d workers, %d CPUs, %d standby channels, GOGC %s, store %s",
		wl.Notifications, wl.Distinct, wl.Redeliveries, wl.Forged, wl.Alarms, wl.Services, wl.Duration, wl.OfferedRate, wl.Workers, wl.CPUs, wl.Standby, cmp.Or(wl.GOGC, "tocsin's default"), wl.Backend)
	row("acknowledged", "%d in %.2f s = %.0f/s   statuses %v", r.Ack.Acknowledged, r.Ack.Elapsed, r.Ack.PerSecond, r.Ack.Statuses)
	row("ack latency", "%s", r.Ack.Latency)
	row("tocsin CPU while sending", "%s", r.Ack.cpuLine())
	row("machine CPU while sending", "%s", r.CPU)
	if r.Workload.Backend == "postgresql" {
		row("PostgreSQL while sending", "%s", r.Postgres)
	}
	row("first ALARM → channel", "%s   (Slack stand-in latency %s per call; %d of %d from standby)", r.Slack.ToChannel, wl.SlackLatency, r.Slack.FromStandby, r.Check.Incidents)
	row("first ALARM → pinned header", "%s", r.Slack.ToHeader)
	row("Slack calls", "%d = %.1f per incident: %.1f to set up, %.1f chat.update; the last %s after the start",
		r.Slack.Calls, r.Slack.PerIncident, r.Slack.SetupPerIn, r.Slack.UpdatesPerIn, r.Slack.LastCall.Round(time.Millisecond))
	row("Slack calls by method", "%v", r.Slack.ByMethod)
	if r.Slack.Before > 0 {
		row("Slack calls before the storm", "%d (making %d standby channels)", r.Slack.Before, wl.Standby)
	}
	row("Slack 429s", "%d %v", r.Slack.Limited429, r.Slack.RateLimited)
	row("Slack failed calls", "%v", r.Slack.Failed)
	row("drained", "%v after %s (outbox effects left at shutdown: %d %v)", r.Drain.Drained, r.Drain.Waited.Round(time.Millisecond), r.Store.OutboxLeftover, r.Store.OutboxByKind)
	row("peak heap in use", "%s (%d samples)", mib(r.PeakHeap), r.HeapSamples)
	row("peak RSS (VmHWM)", "%s", mib(r.PeakRSS))
	row("store", "%s", r.Store.line(r.Check.TimelineEvents))
	c := r.Check
	row("check", "%s: %d incidents (want %d); %d acknowledged MessageIds, %d on timelines, %d missing, %d twice, %d unknown; %d 4xx, %d other not acknowledged; forged: %d refused, %d not",
		verdict(c.OK), c.Incidents, c.WantIncidents, c.Acknowledged, c.OnTimeline, c.Missing, c.Duplicated, c.Unknown, c.Refused4xx, c.NotAcked, c.ForgedRefused, c.ForgedAccepted)
	for _, p := range c.Problems {
		row("", "problem: %s", p)
	}
	row("tocsin log", "%d lines at warn or worse", r.LogLines)
	return t.Flush()
}

func verdict(ok bool) string {
	if ok {
		return "PASS"
	}
	return "FAIL"
}

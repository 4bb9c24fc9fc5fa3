package main

import (
	"errors"
	"fmt"
	"os"
	"strconv"
	"strings"
	"syscall"
	"time"
)

// CPU is how the machine's cores were used while the storm was sent, read
// from /proc: by the whole machine, by tocsin, by the PostgreSQL server
// (with -db, when it runs here), by storm itself (the senders and the
// stand-ins), and by everything else, which is other people's work on a
// shared machine, and what makes a run an outlier.
type CPU struct {
	Seconds  float64 `json:"window_seconds"`
	Machine  float64 `json:"machine_busy_cores"`
	Tocsin   float64 `json:"tocsin_cores"`
	Postgres float64 `json:"postgres_cores"`
	Storm    float64 `json:"storm_cores"`
	Other    float64 `json:"other_cores"`
	// LoadBefore is /proc/loadavg's three averages before storm built
	// tocsin; LoadAfter after the sending.
	LoadBefore string `json:"loadavg_before"`
	LoadAfter  string `json:"loadavg_after"`
}

func (c CPU) String() string {
	if c.Seconds <= 0 {
		return "unavailable"
	}
	return fmt.Sprintf("machine %.2f cores busy: tocsin %.2f, postgres %.2f, storm %.2f, other %.2f; load average %s before, %s after",
		c.Machine, c.Tocsin, c.Postgres, c.Storm, c.Other, c.LoadBefore, c.LoadAfter)
}

// clockTicks is USER_HZ, the unit of /proc's CPU times: 100 on every Linux
// architecture Go runs on.
const clockTicks = 100

// cpuSample is the CPU used so far, in clock ticks except storm's own.
type cpuSample struct {
	at                        time.Time
	machine, tocsin, postgres int64
	storm                     time.Duration
}

// sampleCPU reads the counters; postgres is 0 (not measured) when pgPID is.
func sampleCPU(tocsinPID, pgPID int) cpuSample {
	s := cpuSample{at: time.Now(), machine: machineBusy()}
	if st, err := readStat(tocsinPID); err == nil {
		s.tocsin = st.utime + st.stime
	}
	if pgPID > 0 {
		s.postgres = treeTicks(pgPID)
	}
	var ru syscall.Rusage
	if syscall.Getrusage(syscall.RUSAGE_SELF, &ru) == nil {
		s.storm = time.Duration(ru.Utime.Nano() + ru.Stime.Nano())
	}
	return s
}

// cpuBetween is the cores used from a to b.
func cpuBetween(a, b cpuSample) CPU {
	secs := b.at.Sub(a.at).Seconds()
	if secs <= 0 || b.machine == 0 {
		return CPU{}
	}
	cores := func(ticks int64) float64 { return float64(ticks) / clockTicks / secs }
	c := CPU{Seconds: secs, Machine: cores(b.machine - a.machine), Tocsin: cores(b.tocsin - a.tocsin),
		Postgres: cores(b.postgres - a.postgres), Storm: (b.storm - a.storm).Seconds() / secs}
	c.Other = max(0, c.Machine-c.Tocsin-c.Postgres-c.Storm)
	return c
}

// machineBusy is the machine's CPU time other than idle, I/O wait and
// steal, from /proc/stat's "cpu" line, or 0.
func machineBusy() int64 {
	b, err := os.ReadFile("/proc/stat")
	if err != nil {
		return 0
	}
	line, _, _ := strings.Cut(string(b), "\n")
	f := strings.Fields(line)
	if len(f) < 8 || f[0] != "cpu" {
		return 0
	}
	var busy int64
	for _, i := range []int{1, 2, 3, 6, 7} { // user nice system irq softirq
		n, _ := strconv.ParseInt(f[i], 10, 64)
		busy += n
	}
	return busy
}

// procStat is what storm reads of /proc/<pid>/stat.
type procStat struct {
	ppid                         int
	utime, stime, cutime, cstime int64
}

func readStat(pid int) (procStat, error) {
	b, err := os.ReadFile("/proc/" + strconv.Itoa(pid) + "/stat")
	if err != nil {
		return procStat{}, err
	}
	// The command name, in parentheses, may hold spaces: fields count from
	// the last ')'. After it: state ppid … utime(14) stime cutime cstime.
	i := strings.LastIndexByte(string(b), ')')
	if i < 0 {
		return procStat{}, errors.New("/proc/<pid>/stat has no ')'")
	}
	f := strings.Fields(string(b[i+1:]))
	if len(f) < 15 {
		return procStat{}, errors.New("/proc/<pid>/stat is short")
	}
	n := func(k int) int64 { v, _ := strconv.ParseInt(f[k-3], 10, 64); return v }
	return procStat{ppid: int(n(4)), utime: n(14), stime: n(15), cutime: n(16), cstime: n(17)}, nil
}

// treeTicks is the CPU used by a server process and its children: its own,
// that of children it has reaped, and that of its live children
// (PostgreSQL's backends and background workers are the postmaster's
// children).
func treeTicks(root int) int64 {
	st, err := readStat(root)
	if err != nil {
		return 0
	}
	total := st.utime + st.stime + st.cutime + st.cstime
	ents, _ := os.ReadDir("/proc")
	for _, e := range ents {
		pid, err := strconv.Atoi(e.Name())
		if err != nil {
			continue
		}
		if cs, err := readStat(pid); err == nil && cs.ppid == root {
			total += cs.utime + cs.stime + cs.cutime + cs.cstime
		}
	}
	return total
}

// loadAvg is /proc/loadavg's 1, 5 and 15 minute averages, or "?".
func loadAvg() string {
	b, err := os.ReadFile("/proc/loadavg")
	if f := strings.Fields(string(b)); err == nil && len(f) >= 3 {
		return strings.Join(f[:3], " ")
	}
	return "?"
}

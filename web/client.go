package web

import (
	"net"
	"net/http"
	"net/netip"
	"strings"
	"time"
)

// The limits on failed attempts: after maxFailures wrong tokens (bearer or
// sign-in) within failureWindow of the first, a client's token attempts get
// 429 until the window passes. maxClients bounds the memory: beyond it the
// client seen longest ago is forgotten. logEvery is the most often one
// client's refusals are logged.
const (
	maxFailures   = 5
	failureWindow = time.Minute
	maxClients    = 10000
	logEvery      = time.Second
)

// client is what is remembered about one client address.
type client struct {
	windowStart time.Time // when the first failure of the window was
	failures    int
	lastLog     time.Time // zero: never logged
	dropped     int       // refusals not logged since lastLog
	seen        time.Time
}

// limited reports whether the client must wait, and how long.
func (c *client) limited(now time.Time) (time.Duration, bool) {
	end := c.windowStart.Add(failureWindow)
	if c.failures < maxFailures || !now.Before(end) {
		return 0, false
	}
	return end.Sub(now), true
}

// fail records a wrong token, starting a new window if the last has passed.
func (c *client) fail(now time.Time) {
	if c.failures == 0 || !now.Before(c.windowStart.Add(failureWindow)) {
		c.windowStart, c.failures = now, 0
	}
	c.failures++
}

// sample reports whether a refusal may be logged now (at most one line per
// logEvery), and how many were left unlogged before it.
func (c *client) sample(now time.Time) (dropped int, log bool) {
	if !c.lastLog.IsZero() && now.Sub(c.lastLog) < logEvery {
		c.dropped++
		return 0, false
	}
	dropped, c.lastLog, c.dropped = c.dropped, now, 0
	return dropped, true
}

// clients is the bounded table of clients, by clientKey. Auth.mu guards it.
type clients struct {
	m map[string]*client
}

// get returns key's record, creating it, and forgetting the client seen
// longest ago when the table is full.
func (cs *clients) get(key string, now time.Time) *client {
	c, ok := cs.m[key]
	if !ok {
		if len(cs.m) >= maxClients {
			dropOldest(cs.m, func(c *client) time.Time { return c.seen })
		}
		c = &client{}
		cs.m[key] = c
	}
	c.seen = now
	return c
}

// dropOldest deletes the entry of m whose time is earliest: the bounded
// maps of clients and sessions forget their oldest first.
func dropOldest[K comparable, V any](m map[K]V, at func(V) time.Time) {
	var oldest K
	var first time.Time
	for k, v := range m {
		if t := at(v); first.IsZero() || t.Before(first) {
			oldest, first = k, t
		}
	}
	delete(m, oldest)
}

// clientAddr is the address a request came from: r.RemoteAddr's host, or,
// when the Auth trusts a proxy, the last address in X-Forwarded-For (the
// one that proxy appended; earlier ones are whatever the client sent).
func (a *Auth) clientAddr(r *http.Request) string {
	if a.trustXFF {
		if xff := r.Header.Values("X-Forwarded-For"); len(xff) > 0 {
			last := xff[len(xff)-1]
			last = strings.TrimSpace(last[strings.LastIndex(last, ",")+1:])
			if _, err := netip.ParseAddr(last); err == nil {
				return last
			}
		}
	}
	if host, _, err := net.SplitHostPort(r.RemoteAddr); err == nil {
		return host
	}
	return r.RemoteAddr
}

// clientKey is the unit failures are counted by: the client's address, or
// for IPv6 its /64, since one host commonly holds a whole /64.
func (a *Auth) clientKey(r *http.Request) string {
	addr := a.clientAddr(r)
	ip, err := netip.ParseAddr(addr)
	if err != nil || !ip.Unmap().Is6() {
		return addr
	}
	p, _ := ip.WithZone("").Prefix(64)
	return p.String()
}

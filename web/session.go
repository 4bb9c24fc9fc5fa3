package web

import (
	"crypto/rand"
	"encoding/base64"
	"time"
)

// SessionTTL is how long a dashboard session lasts when Config.SessionTTL
// is zero: twelve hours from sign-in, however active the visitor is, so a
// stolen cookie is good for a working day at most.
const SessionTTL = 12 * time.Hour

// maxSessions bounds the sessions kept in memory; signing in beyond it ends
// the oldest session, so sign-ins cannot exhaust memory.
const maxSessions = 1000

// session is a signed-in dashboard visitor. Sessions live only in memory: a
// restart, a new token or sign-out ends them.
type session struct {
	token   digest // the token it was created under
	created time.Time
	expires time.Time
}

// newSession starts a session under the current token and returns its id,
// 32 random bytes in base64url: the cookie's value. Only the id's digest is
// kept, so the server's memory holds no usable cookie.
func (a *Auth) newSession() string {
	b := make([]byte, 32)
	rand.Read(b) // never fails: since Go 1.24 it crashes the program instead
	id := base64.RawURLEncoding.EncodeToString(b)
	now := a.now()
	a.mu.Lock()
	defer a.mu.Unlock()
	if len(a.sessions) >= maxSessions {
		dropOldest(a.sessions, func(s session) time.Time { return s.created }) // the first created
	}
	a.sessions[digestOf(id)] = session{token: a.token, created: now, expires: now.Add(a.ttl)}
	return id
}

// validSession reports whether id names a session that has not expired and
// was created under the current token. A dead session is forgotten.
func (a *Auth) validSession(id string) bool {
	now := a.now()
	key := digestOf(id)
	a.mu.Lock()
	defer a.mu.Unlock()
	s, ok := a.sessions[key]
	if !ok {
		return false
	}
	if !a.hasToken || s.token != a.token || !now.Before(s.expires) {
		delete(a.sessions, key)
		return false
	}
	return true
}

// endSession forgets the session id names (sign-out), so its cookie no
// longer works even if the browser keeps it.
func (a *Auth) endSession(id string) {
	a.mu.Lock()
	defer a.mu.Unlock()
	delete(a.sessions, digestOf(id))
}

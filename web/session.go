package web

import (
	"crypto/rand"
	"encoding/base64"
	"net/http"
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
	csrf    string // the token its forms carry (see csrfToken)
	created time.Time
	expires time.Time
}

// newSession starts a session under the current token and returns its id,
// 32 random bytes in base64url: the cookie's value. Only the id's digest is
// kept, so the server's memory holds no usable cookie.
func (a *Auth) newSession() string {
	id, csrf := randomToken(), randomToken()
	now := a.now()
	a.mu.Lock()
	defer a.mu.Unlock()
	if len(a.sessions) >= maxSessions {
		dropOldest(a.sessions, func(s session) time.Time { return s.created }) // the first created
	}
	a.sessions[digestOf(id)] = session{token: a.token, csrf: csrf, created: now, expires: now.Add(a.ttl)}
	return id
}

// randomToken is 32 random bytes in base64url.
func randomToken() string {
	b := make([]byte, 32)
	rand.Read(b) // never fails: since Go 1.24 it crashes the program instead
	return base64.RawURLEncoding.EncodeToString(b)
}

// csrfToken is the anti-forgery token of the request's session, which the
// dashboard's editing forms carry, or "" without a live session (a bearer
// token has none: API clients use PUT …/review.md). Another site can make
// a browser send the session cookie, but cannot read this token.
func (a *Auth) csrfToken(r *http.Request) string {
	c, err := r.Cookie(cookieName)
	if err != nil || !a.validSession(c.Value) {
		return ""
	}
	a.mu.Lock()
	defer a.mu.Unlock()
	return a.sessions[digestOf(c.Value)].csrf
}

// validCSRF reports whether submitted is the request's session's token,
// comparing digests in constant time.
func (a *Auth) validCSRF(r *http.Request, submitted string) bool {
	want := a.csrfToken(r)
	return want != "" && tokenMatches(submitted, digestOf(want))
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

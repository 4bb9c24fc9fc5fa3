package web

import (
	"crypto/sha256"
	"crypto/subtle"
	"log/slog"
	"net/http"
	"strings"
	"sync"
	"time"

	"github.com/prometheus/client_golang/prometheus"
)

const cookieName = "tocsin_session"

// digest is a SHA-256 digest. Secrets (the token, session ids) are compared
// only as digests: subtle.ConstantTimeCompare returns at once when its
// arguments' lengths differ, so comparing the raw strings would tell a
// guesser the token's length. Two digests always have the same length.
type digest [sha256.Size]byte

func digestOf(s string) digest { return sha256.Sum256([]byte(s)) }

// tokenMatches reports whether submitted is the token whose digest is want,
// in time that depends on neither string's length or content.
func tokenMatches(submitted string, want digest) bool {
	got := digestOf(submitted)
	return subtle.ConstantTimeCompare(got[:], want[:]) == 1
}

// Auth guards the API and the dashboard: it holds the API token (as its
// digest only), the dashboard's sessions, and the per-client record of
// failed attempts. Routes builds one; SetToken rotates the token while the
// server runs. It is safe for concurrent use.
type Auth struct {
	now      func() time.Time
	log      *slog.Logger
	ttl      time.Duration
	trustXFF bool
	refused  *prometheus.CounterVec // nil: no metrics

	mu       sync.Mutex
	token    digest
	hasToken bool
	sessions map[digest]session // by the digest of the session id
	clients  clients
}

func newAuth(cfg Config) *Auth {
	a := &Auth{
		now: cfg.Now, log: cfg.Logger, ttl: cfg.SessionTTL, trustXFF: cfg.TrustForwardedFor,
		refused:  refusalCounter(cfg.Registerer, cfg.Logger),
		sessions: make(map[digest]session),
		clients:  clients{m: make(map[string]*client)},
	}
	if a.ttl <= 0 {
		a.ttl = SessionTTL
	}
	a.SetToken(cfg.Token)
	return a
}

// SetToken makes token the API token and ends every dashboard session, so
// that a leaked token can be rotated without a restart. An empty token
// refuses everything, as it does at start.
func (a *Auth) SetToken(token string) {
	a.mu.Lock()
	defer a.mu.Unlock()
	a.token, a.hasToken = digestOf(token), token != ""
	clear(a.sessions)
}

// enabled reports whether a token is configured.
func (a *Auth) enabled() bool {
	a.mu.Lock()
	defer a.mu.Unlock()
	return a.hasToken
}

// check decides whether r carries the API token as a bearer token or a
// live session cookie. A bearer token decides when both are present. While
// the client is rate limited no bearer token is even compared, so the
// answer cannot confirm a guess; a session cookie still works, since it
// cannot be guessed. A wrong bearer token counts against the client.
func (a *Auth) check(r *http.Request) (refusal, bool) {
	if h := r.Header.Get("Authorization"); strings.HasPrefix(h, "Bearer ") {
		return a.attempt(r, strings.TrimPrefix(h, "Bearer "))
	}
	c, err := r.Cookie(cookieName)
	if err != nil {
		return refusal{reason: reasonNoToken}, false
	}
	if !a.validSession(c.Value) {
		return refusal{reason: reasonBadSession}, false
	}
	return refusal{}, true
}

// attempt checks a submitted token (a bearer token or the sign-in form's)
// unless the client is rate limited, and records a wrong one.
func (a *Auth) attempt(r *http.Request, submitted string) (refusal, bool) {
	now := a.now()
	a.mu.Lock()
	defer a.mu.Unlock()
	c := a.clients.get(a.clientKey(r), now)
	if wait, limited := c.limited(now); limited {
		return refusal{reason: reasonRateLimited, retryAfter: wait}, false
	}
	if a.hasToken && tokenMatches(submitted, a.token) {
		return refusal{}, true
	}
	c.fail(now)
	return refusal{reason: reasonBadToken}, false
}

// gate serves h to requests with the token or a session; the others are
// counted and logged (refuse) and answered by deny, with Retry-After set
// when the client is rate limited.
func gate(a *Auth, h http.Handler, deny func(w http.ResponseWriter, r *http.Request, limited bool)) http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		no, ok := a.check(r)
		if ok {
			h.ServeHTTP(w, r)
			return
		}
		a.refuse(r, no)
		limited := no.reason == reasonRateLimited
		if limited {
			no.setRetryAfter(w)
		}
		deny(w, r, limited)
	})
}

// requireToken wraps h so that unauthorized API requests get 401, or 429
// while the client is rate limited.
func requireToken(a *Auth, h http.Handler) http.Handler {
	return gate(a, h, func(w http.ResponseWriter, r *http.Request, limited bool) {
		if limited {
			http.Error(w, "too many failed attempts from your address: try again later", http.StatusTooManyRequests)
			return
		}
		w.Header().Set("WWW-Authenticate", `Bearer realm="tocsin"`)
		http.Error(w, "unauthorized: send the API token as a bearer token", http.StatusUnauthorized)
	})
}

// requireLogin sends visitors without the token or a session to the login
// form. (The API answers 401 instead: see requireToken.)
func requireLogin(a *Auth, cfg Config, h http.Handler) http.Handler {
	return gate(a, h, func(w http.ResponseWriter, r *http.Request, limited bool) {
		if limited {
			renderError(w, cfg.Logger, http.StatusTooManyRequests, "Too many failed attempts from your address. Try again later.", false)
			return
		}
		http.Redirect(w, r, "/login", http.StatusSeeOther)
	})
}

package web

import (
	"crypto/hmac"
	"crypto/sha256"
	"encoding/hex"
	"net/http"
	"strings"
)

const cookieName = "tocsin_session"

// authorized reports whether the request carries the API token, as a bearer
// token or as the dashboard's session cookie. With no token configured,
// nothing is authorized.
func authorized(token string, r *http.Request) bool {
	if token == "" {
		return false
	}
	if h := r.Header.Get("Authorization"); strings.HasPrefix(h, "Bearer ") {
		return hmac.Equal([]byte(strings.TrimPrefix(h, "Bearer ")), []byte(token))
	}
	if c, err := r.Cookie(cookieName); err == nil {
		return hmac.Equal([]byte(c.Value), []byte(session(token)))
	}
	return false
}

// session is the cookie value: an HMAC of the token, so the cookie never
// carries the token itself.
func session(token string) string {
	m := hmac.New(sha256.New, []byte(token))
	m.Write([]byte("tocsin dashboard session v1"))
	return hex.EncodeToString(m.Sum(nil))
}

// requireToken wraps h so that unauthorized API requests get 401.
func requireToken(token string, h http.Handler) http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		if !authorized(token, r) {
			w.Header().Set("WWW-Authenticate", `Bearer realm="tocsin"`)
			http.Error(w, "unauthorized: send the API token as a bearer token", http.StatusUnauthorized)
			return
		}
		h.ServeHTTP(w, r)
	})
}

package web

import (
	"net/http"
	"net/http/httptest"
	"testing"
	"time"
)

// TestAuth_SignOutEndsSession: sign-out ends the session on the server, so
// a copy of the cookie kept after sign-out is refused on every page and
// the API.
func TestAuth_SignOutEndsSession(t *testing.T) {
	r := newAuthRig(t)
	id := mustSignIn(t, r.mux)
	if resp, _ := serve(t, r.mux, cookieRequest("/", id)); resp.StatusCode != http.StatusOK {
		t.Fatalf("before sign-out: status %d", resp.StatusCode)
	}
	out := httptest.NewRequest("POST", "/logout", nil)
	out.AddCookie(&http.Cookie{Name: cookieName, Value: id})
	if resp, _ := serve(t, r.mux, out); resp.StatusCode != http.StatusSeeOther {
		t.Fatalf("sign-out: status %d", resp.StatusCode)
	}
	for _, target := range []string{"/", "/incidents/1", "/metrics-view"} {
		if resp, _ := serve(t, r.mux, cookieRequest(target, id)); resp.StatusCode != http.StatusSeeOther || resp.Header.Get("Location") != "/login" {
			t.Errorf("GET %s with the signed-out cookie: status %d, want 303 to /login", target, resp.StatusCode)
		}
	}
	if resp, _ := serve(t, r.mux, cookieRequest("/api/incidents", id)); resp.StatusCode != http.StatusUnauthorized {
		t.Errorf("API with the signed-out cookie: status %d, want 401", resp.StatusCode)
	}
	if other := mustSignIn(t, r.mux); other == id {
		t.Error("signing in again reused the ended session id")
	}
}

// TestAuth_SetTokenEndsSessions: a session created under token A is
// refused once the token is B, and stays refused if the token goes back to
// A; a session created under B works.
func TestAuth_SetTokenEndsSessions(t *testing.T) {
	r := newAuthRig(t)
	underA := mustSignIn(t, r.mux)
	r.auth.SetToken("token-b")
	for _, c := range []struct {
		name string
		req  *http.Request
		want int
	}{
		{"SessionUnderA", cookieRequest("/", underA), http.StatusSeeOther},
		{"BearerA", bearerRequest("/api/incidents", testToken), http.StatusUnauthorized},
		{"BearerB", bearerRequest("/api/incidents", "token-b"), http.StatusOK},
		{"SignInA", loginRequest("/login", testToken), http.StatusUnauthorized},
	} {
		if resp, _ := serve(t, r.mux, c.req); resp.StatusCode != c.want {
			t.Errorf("%s under token B: status %d, want %d", c.name, resp.StatusCode, c.want)
		}
	}
	resp, _ := serve(t, r.mux, loginRequest("/login", "token-b"))
	underB := sessionFrom(resp).Value
	if resp, _ := serve(t, r.mux, cookieRequest("/", underB)); resp.StatusCode != http.StatusOK {
		t.Errorf("a session under token B: status %d", resp.StatusCode)
	}
	r.auth.SetToken(testToken)
	for name, id := range map[string]string{"A": underA, "B": underB} {
		if resp, _ := serve(t, r.mux, cookieRequest("/", id)); resp.StatusCode != http.StatusSeeOther {
			t.Errorf("session under %s after going back to A: status %d, want 303", name, resp.StatusCode)
		}
	}
	r.auth.SetToken("")
	if resp, _ := serve(t, r.mux, bearerRequest("/api/incidents", "")); resp.StatusCode != http.StatusUnauthorized {
		t.Errorf("an empty bearer token with no token set: status %d", resp.StatusCode)
	}
}

// TestAuth_SessionExpires: a session lasts SessionTTL from sign-in and not
// a moment longer, however often it is used.
func TestAuth_SessionExpires(t *testing.T) {
	r := newAuthRig(t)
	id := mustSignIn(t, r.mux)
	for _, c := range []struct {
		after time.Duration
		want  int
	}{
		{0, http.StatusOK},
		{time.Hour, http.StatusOK},
		{SessionTTL - time.Second, http.StatusOK},
		{SessionTTL, http.StatusSeeOther},
		{SessionTTL + time.Hour, http.StatusSeeOther},
	} {
		r.now = testNow.Add(c.after)
		if resp, _ := serve(t, r.mux, cookieRequest("/", id)); resp.StatusCode != c.want {
			t.Errorf("%v after sign-in: status %d, want %d", c.after, resp.StatusCode, c.want)
		}
	}
	t.Run("ConfiguredTTL", func(t *testing.T) {
		now := testNow
		mux := http.NewServeMux()
		Routes(mux, Config{Token: testToken, Source: seededSource(t), Now: func() time.Time { return now }, SessionTTL: time.Minute})
		id := mustSignIn(t, mux)
		now = now.Add(time.Minute)
		if resp, _ := serve(t, mux, cookieRequest("/", id)); resp.StatusCode != http.StatusSeeOther {
			t.Errorf("a minute into a one-minute session: status %d, want 303", resp.StatusCode)
		}
	})
}

// TestAuth_SessionsBounded: beyond maxSessions, signing in ends the
// oldest session.
func TestAuth_SessionsBounded(t *testing.T) {
	r := newAuthRig(t)
	first := mustSignIn(t, r.mux)
	r.now = r.now.Add(time.Second)
	second := mustSignIn(t, r.mux)
	for range maxSessions - 1 {
		r.now = r.now.Add(time.Millisecond)
		mustSignIn(t, r.mux)
	}
	if n := len(r.auth.sessions); n != maxSessions {
		t.Errorf("%d sessions, want %d", n, maxSessions)
	}
	if resp, _ := serve(t, r.mux, cookieRequest("/", first)); resp.StatusCode != http.StatusSeeOther {
		t.Errorf("the oldest session: status %d, want 303 (dropped)", resp.StatusCode)
	}
	if resp, _ := serve(t, r.mux, cookieRequest("/", second)); resp.StatusCode != http.StatusOK {
		t.Errorf("the second session: status %d, want 200", resp.StatusCode)
	}
}

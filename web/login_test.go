package web

import (
	"encoding/base64"
	"net/http"
	"net/http/httptest"
	"net/url"
	"strings"
	"testing"
)

// serve runs one request through h and returns the response and its body.
func serve(tb testing.TB, h http.Handler, r *http.Request) (*http.Response, string) {
	tb.Helper()
	rec := httptest.NewRecorder()
	h.ServeHTTP(rec, r)
	return rec.Result(), rec.Body.String()
}

// loginRequest is a POST /login with the token, from the dashboard's own form.
func loginRequest(target, token string) *http.Request {
	form := url.Values{"token": {token}}.Encode()
	r := httptest.NewRequest("POST", target, strings.NewReader(form))
	r.Header.Set("Content-Type", "application/x-www-form-urlencoded")
	r.Header.Set("Origin", "http://example.com")
	return r
}

// mustSignIn signs in to h's dashboard with testToken and returns the
// session cookie's value.
func mustSignIn(tb testing.TB, h http.Handler) string {
	tb.Helper()
	resp, _ := serve(tb, h, loginRequest("/login", testToken))
	c := sessionFrom(resp)
	if resp.StatusCode != http.StatusSeeOther || c == nil || c.Value == "" {
		tb.Fatalf("sign-in: status %d, cookie %v", resp.StatusCode, c)
	}
	return c.Value
}

// withSession signs in to h and adds the session cookie to r.
func withSession(tb testing.TB, h http.Handler, r *http.Request) *http.Request {
	tb.Helper()
	r.AddCookie(&http.Cookie{Name: cookieName, Value: mustSignIn(tb, h)})
	return r
}

func sessionFrom(resp *http.Response) *http.Cookie {
	for _, c := range resp.Cookies() {
		if c.Name == cookieName {
			return c
		}
	}
	return nil
}

func TestLogin(t *testing.T) {
	mux := newMux(seededSource(t))
	t.Run("SetsCookie", func(t *testing.T) {
		resp, _ := serve(t, mux, loginRequest("/login", testToken))
		if resp.StatusCode != http.StatusSeeOther || resp.Header.Get("Location") != "/" {
			t.Fatalf("status %d, Location %q; want 303 to /", resp.StatusCode, resp.Header.Get("Location"))
		}
		c := sessionFrom(resp)
		if c == nil {
			t.Fatal("no session cookie")
		}
		if id, err := base64.RawURLEncoding.DecodeString(c.Value); err != nil || len(id) != 32 {
			t.Errorf("cookie value %q is not 32 bytes in base64url (%v)", c.Value, err)
		}
		if again := mustSignIn(t, mux); again == c.Value {
			t.Errorf("two sign-ins got the same session id %q", again)
		}
		if !c.HttpOnly || c.SameSite != http.SameSiteStrictMode || c.Path != "/" || c.Secure {
			t.Errorf("cookie %+v: want HttpOnly, SameSite=Strict, Path=/, not Secure over plain HTTP", c)
		}
	})
	t.Run("SecureOverTLS", func(t *testing.T) {
		direct := loginRequest("https://example.com/login", testToken)
		direct.Header.Set("Origin", "https://example.com")
		proxied := loginRequest("/login", testToken)
		proxied.Header.Set("X-Forwarded-Proto", "https")
		for name, r := range map[string]*http.Request{"TLS": direct, "X-Forwarded-Proto": proxied} {
			resp, _ := serve(t, mux, r)
			if c := sessionFrom(resp); c == nil || !c.Secure {
				t.Errorf("%s: cookie %+v, want Secure", name, c)
			}
		}
	})
	t.Run("WrongToken", func(t *testing.T) {
		resp, body := serve(t, mux, loginRequest("/login", "guess"))
		if resp.StatusCode != http.StatusUnauthorized {
			t.Errorf("status %d, want 401", resp.StatusCode)
		}
		if len(resp.Header.Values("Set-Cookie")) != 0 {
			t.Errorf("a wrong token set a cookie: %q", resp.Header.Values("Set-Cookie"))
		}
		if !strings.Contains(body, "That token is not right.") || !strings.Contains(body, `id="login"`) {
			t.Errorf("the 401 page does not say why or offer the form again:\n%s", body)
		}
	})
}

func TestLogin_SameOrigin(t *testing.T) {
	mux := newMux(seededSource(t))
	t.Run("CrossOrigin", func(t *testing.T) {
		for name, hdr := range map[string][2]string{
			"Origin":            {"Origin", "https://evil.example"},
			"OriginNull":        {"Origin", "null"},
			"Referer":           {"Referer", "https://evil.example/phish"},
			"SecFetchCrossSite": {"Sec-Fetch-Site", "cross-site"},
			"SecFetchSameSite":  {"Sec-Fetch-Site", "same-site"},
			"OriginSchemeless":  {"Origin", "example.com"},
			"OriginOtherPort":   {"Origin", "http://example.com:8443"},
		} {
			r := loginRequest("/login", testToken)
			r.Header.Del("Origin")
			r.Header.Set(hdr[0], hdr[1])
			resp, _ := serve(t, mux, r)
			if resp.StatusCode != http.StatusForbidden || sessionFrom(resp) != nil {
				t.Errorf("%s: status %d, cookie %v; want 403 and no cookie", name, resp.StatusCode, sessionFrom(resp))
			}
		}
	})
	t.Run("BrowserSameOrigin", func(t *testing.T) {
		// What Chromium sends for our own form under Referrer-Policy: no-referrer.
		r := loginRequest("/login", testToken)
		r.Header.Set("Origin", "null")
		r.Header.Set("Sec-Fetch-Site", "same-origin")
		if resp, _ := serve(t, mux, r); resp.StatusCode != http.StatusSeeOther || sessionFrom(resp) == nil {
			t.Errorf("status %d; want 303 with a cookie", resp.StatusCode)
		}
	})
	t.Run("AlreadySignedIn", func(t *testing.T) {
		resp, _ := serve(t, mux, withSession(t, mux, httptest.NewRequest("GET", "/login", nil)))
		if resp.StatusCode != http.StatusSeeOther || resp.Header.Get("Location") != "/" {
			t.Errorf("status %d, Location %q; want 303 to /", resp.StatusCode, resp.Header.Get("Location"))
		}
	})
}

func TestLogin_NoTokenConfigured(t *testing.T) {
	mux := http.NewServeMux()
	Routes(mux, Config{Source: seededSource(t)})
	resp, body := serve(t, mux, httptest.NewRequest("GET", "/login", nil))
	if resp.StatusCode != http.StatusServiceUnavailable || !strings.Contains(body, "disabled until TOCSIN_API_TOKEN is set") {
		t.Errorf("status %d; want 503 saying the dashboard is disabled:\n%s", resp.StatusCode, body)
	}
	if strings.Contains(body, `name="token"`) {
		t.Error("the disabled login page still offers a form")
	}
	resp, _ = serve(t, mux, loginRequest("/login", ""))
	if resp.StatusCode != http.StatusServiceUnavailable || sessionFrom(resp) != nil {
		t.Errorf("POST with an empty token: status %d, cookie %v", resp.StatusCode, sessionFrom(resp))
	}
	r := httptest.NewRequest("GET", "/", nil)
	r.AddCookie(&http.Cookie{Name: cookieName, Value: "made-up"})
	resp, _ = serve(t, mux, r)
	if resp.StatusCode != http.StatusSeeOther {
		t.Errorf("GET / with no token configured: status %d, want 303 to /login", resp.StatusCode)
	}
}

func TestLogout(t *testing.T) {
	mux := newMux(seededSource(t))
	r := withSession(t, mux, httptest.NewRequest("POST", "/logout", nil))
	r.Header.Set("Origin", "http://example.com")
	resp, _ := serve(t, mux, r)
	c := sessionFrom(resp)
	if resp.StatusCode != http.StatusSeeOther || resp.Header.Get("Location") != "/login" {
		t.Errorf("status %d, Location %q; want 303 to /login", resp.StatusCode, resp.Header.Get("Location"))
	}
	if c == nil || c.MaxAge >= 0 || c.Value != "" || !c.HttpOnly || c.SameSite != http.SameSiteStrictMode {
		t.Errorf("cookie %+v; want it deleted with the same attributes", c)
	}
	t.Run("CrossOrigin", func(t *testing.T) {
		r := withSession(t, mux, httptest.NewRequest("POST", "/logout", nil))
		r.Header.Set("Origin", "https://evil.example")
		if resp, _ := serve(t, mux, r); resp.StatusCode != http.StatusForbidden || sessionFrom(resp) != nil {
			t.Errorf("status %d; want 403 and no cookie change", resp.StatusCode)
		}
	})
}

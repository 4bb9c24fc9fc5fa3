package web

import (
	"errors"
	"net/http"
	"net/url"
)

// loginView is the body of the login page.
type loginView struct {
	Disabled bool   // no token is configured: nobody can sign in
	Error    string // why the last attempt failed
}

// loginForm shows the token form, or says the dashboard is disabled. A
// visitor with a live session goes straight to the incidents.
func loginForm(a *Auth, cfg Config) http.HandlerFunc {
	return func(w http.ResponseWriter, r *http.Request) {
		if c, err := r.Cookie(cookieName); err == nil && a.validSession(c.Value) {
			http.Redirect(w, r, "/", http.StatusSeeOther)
			return
		}
		v, status := loginView{Disabled: !a.enabled()}, http.StatusOK
		if v.Disabled {
			status = http.StatusServiceUnavailable
		}
		render(w, cfg.Logger, status, "login", page{Title: "Sign in", Body: v})
	}
}

// postLogin checks the submitted token and starts a session. Only
// same-origin submissions are accepted (login CSRF); a wrong token gets 401
// and no cookie, and counts against the client, which after too many gets
// 429 without its token being checked.
func postLogin(a *Auth, cfg Config) http.HandlerFunc {
	return func(w http.ResponseWriter, r *http.Request) {
		if !sameOrigin(r) {
			renderError(w, cfg.Logger, http.StatusForbidden, "Sign-in is only accepted from the dashboard's own form.", false)
			return
		}
		if !a.enabled() {
			render(w, cfg.Logger, http.StatusServiceUnavailable, "login", page{Title: "Sign in", Body: loginView{Disabled: true}})
			return
		}
		r.Body = http.MaxBytesReader(w, r.Body, 4<<10)
		var tooBig *http.MaxBytesError
		if err := r.ParseForm(); errors.As(err, &tooBig) {
			renderError(w, cfg.Logger, http.StatusRequestEntityTooLarge, "The sign-in form was too large.", false)
			return
		}
		if no, ok := a.attempt(r, r.PostFormValue("token")); !ok {
			a.refuse(r, no)
			status, v := http.StatusUnauthorized, loginView{Error: "That token is not right."}
			if no.reason == reasonRateLimited {
				no.setRetryAfter(w)
				status, v.Error = http.StatusTooManyRequests, "Too many failed sign-ins from your address. Try again in a minute."
			}
			render(w, cfg.Logger, status, "login", page{Title: "Sign in", Body: v})
			return
		}
		http.SetCookie(w, sessionCookie(r, a.newSession(), 0))
		http.Redirect(w, r, "/", http.StatusSeeOther)
	}
}

// postLogout ends the session on the server, so the cookie no longer works
// even if a copy of it survives, and clears the cookie. It is a POST from a
// same-origin form so that another site cannot sign people out.
func postLogout(a *Auth, cfg Config) http.HandlerFunc {
	return func(w http.ResponseWriter, r *http.Request) {
		if !sameOrigin(r) {
			renderError(w, cfg.Logger, http.StatusForbidden, "Sign-out is only accepted from the dashboard's own form.", false)
			return
		}
		if c, err := r.Cookie(cookieName); err == nil {
			a.endSession(c.Value)
		}
		http.SetCookie(w, sessionCookie(r, "", -1))
		http.Redirect(w, r, "/login", http.StatusSeeOther)
	}
}

// sessionCookie is the dashboard's cookie: HttpOnly, SameSite=Strict, for the
// whole site, and Secure whenever the visitor reached us over HTTPS (directly
// or through a proxy that says so). maxAge < 0 deletes it; 0 makes it last
// until the browser closes.
func sessionCookie(r *http.Request, value string, maxAge int) *http.Cookie {
	return &http.Cookie{
		Name:     cookieName,
		Value:    value,
		Path:     "/",
		MaxAge:   maxAge,
		HttpOnly: true,
		Secure:   r.TLS != nil || r.Header.Get("X-Forwarded-Proto") == "https",
		SameSite: http.SameSiteStrictMode,
	}
}

// sameOrigin reports whether a state-changing request came from the
// dashboard's own pages. A browser's Sec-Fetch-Site (which pages cannot
// forge) must not say cross-site or same-site; an Origin, or failing that a
// Referer, must name this host. Because every page sets Referrer-Policy:
// no-referrer, browsers send "Origin: null" for our own forms, so "null" is
// accepted only when Sec-Fetch-Site vouches for it (StackStorm's
// CVE-2019-9580 trusted a bare "null"). A request with none of these headers
// (curl, a script) is not a browser being tricked, and is allowed.
func sameOrigin(r *http.Request) bool {
	site := r.Header.Get("Sec-Fetch-Site")
	if site != "" && site != "same-origin" && site != "none" {
		return false
	}
	if o := r.Header.Get("Origin"); o != "" {
		if o == "null" {
			return site == "same-origin"
		}
		return hostIs(o, r.Host)
	}
	if ref := r.Header.Get("Referer"); ref != "" {
		return hostIs(ref, r.Host)
	}
	return true
}

// hostIs reports whether raw is an absolute http(s) URL whose host is host.
func hostIs(raw, host string) bool {
	u, err := url.Parse(raw)
	if err != nil || (u.Scheme != "http" && u.Scheme != "https") {
		return false
	}
	return u.Host != "" && u.Host == host
}

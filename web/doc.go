// Package web serves tocsin's JSON API and its status dashboard. It reads
// incidents through the small Source interface and renders metrics and
// review drafts with report; it never writes incidents and never imports
// store, bot or intake.
//
// Everything under /api/ and the dashboard requires TOCSIN_API_TOKEN: as a
// bearer token, or through the dashboard's login form, which starts a
// server-side session. Tokens are compared as SHA-256 digests in constant
// time, so neither their content nor their length shows in the timing.
// A session id is 32 random bytes in an HttpOnly, SameSite=Strict cookie
// (Secure behind HTTPS); the server keeps it in memory, bound to the token
// it was created under, for at most SessionTTL (12 hours) from sign-in.
// Sign-out, a new token (Auth.SetToken, or a restart) and expiry end it;
// beyond maxSessions the oldest ends. With no token configured, everything
// is refused.
//
// A client (by address; X-Forwarded-For only if Config.TrustForwardedFor)
// that sends maxFailures wrong tokens within a minute gets 429 with
// Retry-After for its token attempts until the minute is over; no token is
// checked meanwhile, so the answer cannot confirm a guess. Every refused
// request is counted in tocsin_web_auth_failures_total{reason} and logged
// with the client's address, at most once a second per client, never with
// a token or cookie. The memory for all of this is bounded.
//
// The dashboard (/, /incidents/{id}, /metrics-view, /login) is rendered on
// the server with html/template from embedded templates: no JavaScript, no
// build step, charts as inline SVG. Every dashboard response carries a
// strict Content-Security-Policy, nosniff and no-referrer; sign-in and
// sign-out accept only same-origin POSTs; and no response ever carries CORS
// headers.
package web

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
// build step, charts as inline SVG. An incident's timeline is told as a
// story (report.Tell); tocsin's bookkeeping is hidden by a CSS-only
// checkbox until the reader asks for it. The review draft is rendered from
// its Markdown by a small renderer of what reviews hold (markdown.go: no
// raw HTML, links only http(s) or to this site, images only from it), and
// each human section has a form: POST /incidents/{id}/review replaces that
// section in the current review (draft merged with the saved version) and
// saves the result, the same store PUT …/review.md writes. The form must
// be same-origin and carry its session's CSRF token (32 random bytes made
// at sign-in, compared as digests); a section changed since the form was
// loaded answers 409 with the visitor's text, so nothing is lost.
// GET /incidents/{id}/graph.png serves the alarm graph (Config.Grapher),
// the last 64 kept in memory. Every dashboard response carries a
// strict Content-Security-Policy, nosniff and no-referrer; sign-in and
// sign-out accept only same-origin POSTs; and no response ever carries CORS
// headers.
package web

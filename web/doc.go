// Package web serves tocsin's JSON API and its status dashboard. It reads
// incidents through the small Source interface and renders metrics and
// review drafts with report; it never writes incidents and never imports
// store, bot or intake.
//
// Everything under /api/ and the dashboard requires TOCSIN_API_TOKEN: as a
// bearer token, or through the dashboard's login form, which sets an
// HttpOnly, SameSite=Strict cookie holding an HMAC of the token (never the
// token itself). With no token configured, everything is refused.
//
// The dashboard (/, /incidents/{id}, /metrics-view, /login) is rendered on
// the server with html/template from embedded templates: no JavaScript, no
// build step, charts as inline SVG. Every dashboard response carries a
// strict Content-Security-Policy, nosniff and no-referrer; sign-in and
// sign-out accept only same-origin POSTs; and no response ever carries CORS
// headers.
package web

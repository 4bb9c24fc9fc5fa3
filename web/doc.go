// Package web serves tocsin's JSON API and its status dashboard. It reads
// incidents through the small Source interface and renders metrics and
// review drafts with report; it never writes incidents and never imports
// store, bot or intake.
//
// Everything under /api/ and the dashboard requires TOCSIN_API_TOKEN: as a
// bearer token, or through the dashboard's login form, which sets an
// HttpOnly, SameSite=Strict cookie holding an HMAC of the token (never the
// token itself). With no token configured, everything is refused.
package web

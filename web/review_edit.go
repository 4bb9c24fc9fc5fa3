package web

import (
	"crypto/sha256"
	"encoding/hex"
	"errors"
	"fmt"
	"html/template"
	"net/http"
	"strings"

	"github.com/tocsin-dev/tocsin/incident"
	"github.com/tocsin-dev/tocsin/report"
)

// reviewView is the review on an incident's page: rendered, with a form
// under each human section when the visitor may edit it.
type reviewView struct {
	Parts  []reviewPart
	Action string // where the forms post; empty: not editable here
	CSRF   string
}

// reviewPart is a rendered piece of the review.
type reviewPart struct {
	HTML   template.HTML
	Human  bool
	Key    string // the section's key, for the form
	Anchor string // its element id
	Title  string // its heading
	Body   string // what people wrote ("" while it holds the prompt)
	Prompt string // the question the section asks
	Was    string // a digest of Body, so a save can tell it changed meanwhile
}

// newReviewView renders the merged review md; editing needs a form
// action and the session's CSRF token.
func newReviewView(md, action, csrf string) reviewView {
	v := reviewView{}
	if action != "" && csrf != "" {
		v.Action, v.CSRF = action, csrf
	}
	for _, p := range report.Parts(md) {
		rp := reviewPart{HTML: markdownHTML(p.Text), Human: p.Human && p.Key != ""}
		if rp.Human {
			rp.Key, rp.Title, rp.Body, rp.Prompt, rp.Was = p.Key, p.Heading(), p.Body(), p.Prompt(), bodyDigest(p.Body())
			rp.Anchor = "section-" + anchor(p.Key)
		}
		v.Parts = append(v.Parts, rp)
	}
	return v
}

// anchor makes a section key an element id: a-z0-9 words joined by "-".
func anchor(key string) string {
	var b []byte
	for _, c := range []byte(strings.ToLower(key)) {
		switch {
		case wordByte(c):
			b = append(b, c)
		case len(b) > 0 && b[len(b)-1] != '-':
			b = append(b, '-')
		}
	}
	return strings.TrimSuffix(string(b), "-")
}

// bodyDigest is a short digest of a section's body.
func bodyDigest(body string) string {
	sum := sha256.Sum256([]byte(body))
	return hex.EncodeToString(sum[:12])
}

// conflictView is the page shown when a section changed while someone
// edited it: their text, so that it is not lost.
type conflictView struct {
	Href  string
	Title string
	Text  string
}

// postReviewSection saves one human section edited in the browser, through
// the same merge as PUT …/review.md: the current review (draft merged with
// what was saved) with that section replaced becomes the saved version. The
// form must come from the dashboard (same origin) and carry the session's
// CSRF token; otherwise, and for any bad input, nothing changes.
func postReviewSection(a *Auth, cfg Config) http.HandlerFunc {
	return func(w http.ResponseWriter, r *http.Request) {
		r.Body = http.MaxBytesReader(w, r.Body, maxReview+4<<10)
		var tooBig *http.MaxBytesError
		if err := r.ParseForm(); errors.As(err, &tooBig) {
			renderError(w, cfg.Logger, http.StatusRequestEntityTooLarge, "The review must be under 1 MiB.", true)
			return
		}
		if !sameOrigin(r) || !a.validCSRF(r, r.PostFormValue("csrf")) {
			renderError(w, cfg.Logger, http.StatusForbidden,
				"This form did not come from your dashboard session (it may have expired). Reload the incident and edit again; nothing was saved.", true)
			return
		}
		inc, evs, status, msg := loadTimeline(cfg, r)
		if status != 0 {
			renderError(w, cfg.Logger, status, msg, true)
			return
		}
		status, msg = saveSection(r, cfg, inc, evs)
		switch status {
		case http.StatusSeeOther:
			http.Redirect(w, r, msg, status)
		case http.StatusConflict:
			v := conflictView{Href: incidentHref(inc.ID), Title: r.PostFormValue("section"), Text: r.PostFormValue("text")}
			render(w, cfg.Logger, status, "conflict", page{Title: "Changed meanwhile", Nav: true, Body: v})
		default:
			renderError(w, cfg.Logger, status, msg, true)
		}
	}
}

// saveSection replaces the posted section of inc's current review and
// saves the result. It returns 303 and where to go, or an error status
// and a sentence for people.
func saveSection(r *http.Request, cfg Config, inc incident.Incident, evs []incident.Event) (int, string) {
	ctx := r.Context()
	current, err := review(ctx, cfg, inc, evs, cfg.Now(), "")
	if err != nil {
		cfg.Logger.Error("draft review", "id", inc.ID, "err", err)
		return http.StatusInternalServerError, "The review could not be read. Try again in a moment; nothing was saved."
	}
	key := r.PostFormValue("section")
	for _, p := range report.Parts(current) {
		if p.Human && p.Key == key && key != "" && bodyDigest(p.Body()) != r.PostFormValue("was") {
			return http.StatusConflict, ""
		}
	}
	edited, err := report.SetSection(current, key, r.PostFormValue("text"))
	switch {
	case errors.Is(err, report.ErrNoSection):
		return http.StatusBadRequest, fmt.Sprintf("The review of %s has no section %q; nothing was saved.", inc.ID, key)
	case err != nil:
		return http.StatusBadRequest, "The text may not contain tocsin's section markers (<!-- tocsin:… -->); nothing was saved."
	}
	if err := cfg.Reviews.SaveReview(ctx, inc.ID, edited); err != nil {
		cfg.Logger.Error("save review", "id", inc.ID, "err", err)
		return http.StatusInternalServerError, "The review could not be saved. Try again in a moment."
	}
	return http.StatusSeeOther, incidentHref(inc.ID) + "#review"
}

// incidentHref is the dashboard path of an incident's page.
func incidentHref(id incident.ID) string { return report.IncidentURL("", id) }

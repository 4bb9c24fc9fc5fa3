package web

import (
	"context"
	"fmt"
	"io"
	"net/http"
	"time"

	"github.com/tocsin-dev/tocsin/incident"
	"github.com/tocsin-dev/tocsin/report"
)

// Reviews keeps the version of a review that people edited and saved.
type Reviews interface {
	SavedReview(ctx context.Context, id incident.ID) (string, bool, error)
	SaveReview(ctx context.Context, id incident.ID, markdown string) error
}

// maxReview caps a saved review's size.
const maxReview = 1 << 20

// review returns the draft regenerated from the timeline, merged with the
// saved version so that what people wrote in its human sections is kept.
// Its links start with base ("" on the dashboard's own pages).
func review(ctx context.Context, cfg Config, inc incident.Incident, evs []incident.Event, now time.Time, base string) (string, error) {
	all, err := cfg.Source.Incidents(ctx, false)
	if err != nil {
		return "", fmt.Errorf("list incidents for the related ones: %w", err)
	}
	draft := report.Review(inc, evs, now, report.ReviewOptions{Names: cfg.Names, Related: report.Related(inc, all),
		Dashboard: base, Graph: cfg.Grapher != nil})
	if cfg.Reviews == nil {
		return draft, nil
	}
	saved, ok, err := cfg.Reviews.SavedReview(ctx, inc.ID)
	if err != nil || !ok {
		return draft, err
	}
	return report.Merge(draft, saved), nil
}

func getReview(cfg Config) http.HandlerFunc {
	return func(w http.ResponseWriter, r *http.Request) {
		inc, evs, ok := timeline(cfg, w, r)
		if !ok {
			return
		}
		md, err := review(r.Context(), cfg, inc, evs, cfg.Now(), cfg.DashboardURL)
		if err != nil {
			cfg.Logger.Error("draft review", "id", inc.ID, "err", err)
			http.Error(w, "could not draft the review", http.StatusInternalServerError)
			return
		}
		w.Header().Set("Content-Type", "text/markdown; charset=utf-8")
		io.WriteString(w, md)
	}
}

// putReview saves an edited review (the body is the Markdown). Regenerating
// later keeps what was written in its human sections.
func putReview(cfg Config) http.HandlerFunc {
	return func(w http.ResponseWriter, r *http.Request) {
		inc, _, ok := timeline(cfg, w, r)
		if !ok {
			return
		}
		b, err := io.ReadAll(http.MaxBytesReader(w, r.Body, maxReview))
		if err != nil {
			http.Error(w, "the review must be under 1 MiB of Markdown", http.StatusRequestEntityTooLarge)
			return
		}
		if err := cfg.Reviews.SaveReview(r.Context(), inc.ID, string(b)); err != nil {
			cfg.Logger.Error("save review", "id", inc.ID, "err", err)
			http.Error(w, "could not save the review", http.StatusInternalServerError)
			return
		}
		w.WriteHeader(http.StatusNoContent)
	}
}

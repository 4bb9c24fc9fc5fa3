package web

import (
	"net/http"

	"github.com/tocsin-dev/tocsin/incident"
	"github.com/tocsin-dev/tocsin/report"
)

// maxNames bounds the ids one GET /api/names may ask about.
const maxNames = 500

// namesSeen records the names Names gave while text was told.
type namesSeen struct {
	Names
	seen map[string]string
}

func (s *namesSeen) Person(id string) string { return s.note(id, s.Names.Person(id)) }
func (s *namesSeen) Group(id string) string  { return s.note(id, s.Names.Group(id)) }

func (s *namesSeen) note(id, name string) string {
	if name != id && id != "" {
		s.seen[id] = name
	}
	return name
}

// timelineNames names the people an incident and its timeline mention: the
// names map of GET /api/incidents/{id}, for clients that tell the timeline
// themselves (the CLI).
func timelineNames(n Names, inc incident.Incident, evs []incident.Event) map[string]string {
	s := &namesSeen{Names: n, seen: map[string]string{}}
	for _, e := range evs {
		report.Tell(e, s)
		report.Actor(s, e.Actor)
	}
	for _, id := range inc.Roles {
		report.Name(s, id)
	}
	return s.seen
}

// getNames answers GET /api/names?id=U…&id=S…: each id's name, or the id
// itself while it is unknown.
func getNames(cfg Config) http.HandlerFunc {
	return func(w http.ResponseWriter, r *http.Request) {
		ids := r.URL.Query()["id"]
		if len(ids) > maxNames {
			http.Error(w, "ask about at most 500 ids at once", http.StatusBadRequest)
			return
		}
		out := make(map[string]string, len(ids))
		for _, id := range ids {
			out[id] = report.Name(cfg.Names, id)
		}
		writeJSON(w, out)
	}
}

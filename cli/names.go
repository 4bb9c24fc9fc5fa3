package cli

import (
	"context"
	"net/url"
	"slices"

	"github.com/tocsin-dev/tocsin/incident"
	"github.com/tocsin-dev/tocsin/report"
)

// names asks the server's directory (GET /api/names) for the names of ids.
func (c *apiClient) names(ctx context.Context, ids []string) (report.NameMap, error) {
	if len(ids) == 0 {
		return report.NameMap{}, nil
	}
	q := url.Values{"id": ids}
	var out report.NameMap
	err := c.getJSON(ctx, "/api/names?"+q.Encode(), &out)
	return out, err
}

// commanders are the commanders of incs, each once.
func commanders(incs []incident.Incident) []string {
	var ids []string
	for _, inc := range incs {
		if id := inc.RoleHolder(incident.RoleCommander); id != "" && !slices.Contains(ids, id) {
			ids = append(ids, id)
		}
	}
	return ids
}

package sim

import (
	"encoding/json"
	"slices"
)

// SetUserGroup replaces the members of a user group (creating it), as a
// workspace admin would in Slack, and returns the Events API callback
// Slack then delivers to an app subscribed to subteam_members_changed: a
// JSON body to sign and post to the app's events URL (see [PostSlack]).
// eventID tells deliveries apart; Slack retries with the same one.
func (s *Slack) SetUserGroup(eventID, groupID string, members []string) string {
	s.mu.Lock()
	old := s.ws.groups[groupID]
	s.ws.groups[groupID] = slices.Clone(members)
	now := s.slackNow()
	s.mu.Unlock()
	added := slicesMissing(members, old)
	removed := slicesMissing(old, members)
	body, _ := json.Marshal(map[string]any{
		"token": "sim", "team_id": SlackTeamID, "api_app_id": "A0TOCSIN", "type": "event_callback",
		"event_id": eventID, "event_time": now.Unix(),
		"event": map[string]any{
			"type": "subteam_members_changed", "subteam_id": groupID, "team_id": SlackTeamID,
			"date_update": now.Unix(), "added_users": added, "added_users_count": len(added),
			"removed_users": removed, "removed_users_count": len(removed),
		},
	})
	return string(body)
}

// slicesMissing returns the elements of a not in b, in a's order.
func slicesMissing(a, b []string) []string {
	out := []string{}
	for _, x := range a {
		if !slices.Contains(b, x) {
			out = append(out, x)
		}
	}
	return out
}

package sim

import (
	"encoding/json"
	"slices"
	"strings"
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

// slackUsergroupsList answers usergroups.list with the fields of Slack's
// documented example. A group is named by SlackOptions.UserGroupNames, its
// handle the name in lower case with hyphens; a group without a name has
// the id in lower case as both. user_count comes only with
// include_count, and as a number (the example shows a string; slack-go
// decodes a number). Disabled groups are not modelled.
func slackUsergroupsList(s *Slack, q *slackRequest) slackReply {
	ids := make([]string, 0, len(s.ws.groups))
	for id := range s.ws.groups {
		ids = append(ids, id)
	}
	slices.Sort(ids)
	created := s.opts.Now().Unix()
	groups := make([]map[string]any, 0, len(ids))
	for _, id := range ids {
		g := map[string]any{
			"id": id, "team_id": SlackTeamID, "is_usergroup": true, "name": slackOr(s.opts.UserGroupNames[id], strings.ToLower(id)),
			"description": "", "handle": slackHandle(s.opts.UserGroupNames[id], id), "is_external": false, "date_create": created, "date_update": created,
			"date_delete": 0, "auto_type": nil, "created_by": SlackOwnerUserID, "updated_by": SlackOwnerUserID,
			"deleted_by": nil, "prefs": map[string]any{"channels": []string{}, "groups": []string{}},
		}
		if slackBool(q.params["include_count"]) {
			g["user_count"] = len(s.ws.groups[id])
		}
		if slackBool(q.params["include_users"]) {
			g["users"] = slices.Clone(s.ws.groups[id])
		}
		groups = append(groups, g)
	}
	return slackOK(map[string]any{"usergroups": groups})
}

// slackHandle is a group's handle: its name in lower case, words joined by
// hyphens, or the id in lower case for a group without a name.
func slackHandle(name, id string) string {
	if name == "" {
		return strings.ToLower(id)
	}
	return strings.Join(strings.Fields(strings.ToLower(name)), "-")
}

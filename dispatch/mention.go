package dispatch

import "strings"

// The engine decides what to say; bot decides how Slack shows it. In the
// text it posts, the engine names a person as <person:U123> and a user
// group as <group:S123>, and bot renders them as Slack mentions
// (bot.SafeMrkdwn). Text the engine quotes from outside passes inert(),
// which escapes '<' and '>', so a quoted name can never write one.

// person names a Slack user (U…, W…) in posted text.
func person(id string) string { return "<person:" + id + ">" }

// people names users (U…, W…) and user groups (S…), "Someone" for none.
func people(ids []string) string {
	var parts []string
	for _, id := range ids {
		if strings.HasPrefix(id, "S") {
			parts = append(parts, "<group:"+id+">")
		} else {
			parts = append(parts, person(id))
		}
	}
	if len(parts) == 0 {
		return "Someone"
	}
	return strings.Join(parts, " ")
}

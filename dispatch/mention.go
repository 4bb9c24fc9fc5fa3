package dispatch

import (
	"strconv"
	"strings"
	"time"
)

// The engine decides what to say; bot decides how Slack shows it. In the
// text it posts, the engine names a person as <person:U123> and a user
// group as <group:S123>, and bot renders them as Slack mentions
// (bot.SafeMrkdwn); it names an instant as <time:UNIX>, which bot shows in
// the reader's time zone. Text the engine quotes from outside passes inert(),
// which escapes '<' and '>', so a quoted name can never write one.

// when names an instant in posted text as <time:UNIX>; bot shows it in
// each reader's own time zone.
func when(t time.Time) string { return "<time:" + strconv.FormatInt(t.Unix(), 10) + ">" }

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

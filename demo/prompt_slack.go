package demo

import (
	"encoding/json"
	"fmt"
	"regexp"
	"strings"

	"github.com/tocsin-dev/tocsin/sim"
)

// This file is how the prompt shows what Slack would show the person at
// the terminal: whole answers (their blocks too), the modals tocsin opens
// and how to fill them in, and the @names of the demo's people.

// contentLines is a message as lines for the terminal: its text, then
// every line of its blocks (sections, fields, context, buttons), without
// a block line that repeats the text.
func (w *demoWorld) contentLines(text string, blocks json.RawMessage) []string {
	var out []string
	seen := map[string]bool{}
	add := func(s string) {
		for l := range strings.SplitSeq(s, "\n") {
			if l = w.readable(strings.Trim(l, "`")); l != "" && !seen[l] {
				seen[l] = true
				out = append(out, l)
			}
		}
	}
	add(text)
	for _, b := range sim.SlackBlocksText(blocks) {
		add(b)
	}
	return out
}

// answerLines are the lines of an answer's JSON body (an immediate answer
// or a response_url post): its text and its blocks.
func (w *demoWorld) answerLines(body []byte) []string {
	var msg struct {
		Text   string          `json:"text"`
		Blocks json.RawMessage `json:"blocks"`
	}
	_ = json.Unmarshal(body, &msg) // an answer that does not decode shows nothing
	return w.contentLines(msg.Text, msg.Blocks)
}

// personMention is an @name typed at the prompt.
var personMention = regexp.MustCompile(`(^|\s)@([a-z][a-z0-9._-]*)`)

// slackMentions writes the demo's people and group as Slack sends them in
// a slash command's text when the person picks them from the completion
// list (the app escapes users and channels): @alice as <@U0ALICE|alice>,
// @oncall as the on-call group. Other @words are left as typed.
func slackMentions(text string) string {
	return personMention.ReplaceAllStringFunc(text, func(m string) string {
		sub := personMention.FindStringSubmatch(m)
		if sub[2] == "oncall" {
			return sub[1] + "<!subteam^" + demoOnCall + "|@oncall>"
		}
		if u, ok := findUser(sub[2]); ok {
			return sub[1] + "<@" + u.ID + "|" + u.Name + ">"
		}
		return m
	})
}

// modalInput is the input of a modal tocsin opened, which `submit` fills.
type modalInput struct {
	view, block, action, title, label string
}

// openedModal returns the input of the newest modal opened since there
// were before views, if any.
func (w *demoWorld) openedModal(before int) (modalInput, bool) {
	views := w.slack.Views()
	if len(views) <= before {
		return modalInput{}, false
	}
	var v struct {
		Title  struct{ Text string } `json:"title"`
		Blocks []struct {
			Type    string `json:"type"`
			BlockID string `json:"block_id"`
			Label   struct{ Text string }
			Element struct {
				ActionID string `json:"action_id"`
			} `json:"element"`
		} `json:"blocks"`
	}
	last := views[len(views)-1]
	if json.Unmarshal(last.View, &v) != nil {
		return modalInput{}, false
	}
	for _, b := range v.Blocks {
		if b.Type == "input" {
			return modalInput{view: last.ID, block: b.BlockID, action: b.Element.ActionID, title: v.Title.Text, label: b.Label.Text}, true
		}
	}
	return modalInput{}, false
}

// submitModal sends what the person typed as the modal's submission.
func (w *demoWorld) submitModal(p *promptState, text string) error {
	m := p.modal
	form, err := w.slack.ViewSubmission(m.view, p.user.ID, p.user.Name, map[string]map[string]string{m.block: {m.action: text}})
	if err != nil {
		return err
	}
	answer, err := w.postSigned("/slack/interactions", form)
	if err != nil {
		return err
	}
	var refused struct {
		Errors map[string]string `json:"errors"`
	}
	if json.Unmarshal(answer, &refused) == nil && len(refused.Errors) > 0 {
		return fmt.Errorf("the form says: %s", refused.Errors[m.block])
	}
	p.modal = modalInput{}
	return nil
}

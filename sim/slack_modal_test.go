package sim

import (
	"encoding/json"
	"net/url"
	"testing"

	"github.com/slack-go/slack"
)

func TestSlack_ViewSubmission(t *testing.T) {
	s, api := slackMustStart(t, SlackOptions{})
	input := slack.NewPlainTextInputBlockElement(nil, "summary_text")
	modal := slack.ModalViewRequest{
		Type: slack.VTModal, CallbackID: "resolve", PrivateMetadata: "inc:7",
		Title:  slack.NewTextBlockObject("plain_text", "Resolve", false, false),
		Blocks: slack.Blocks{BlockSet: []slack.Block{slack.NewInputBlock("summary", slack.NewTextBlockObject("plain_text", "Summary", false, false), nil, input)}},
	}
	v, err := api.OpenView("trigger-7", modal)
	if err != nil {
		t.Fatal(err)
	}
	form, err := s.ViewSubmission(v.ID, "U0ALICE", "alice", map[string]map[string]string{"summary": {"summary_text": "rolled back"}})
	if err != nil {
		t.Fatal(err)
	}
	vals, _ := url.ParseQuery(form)
	var ic slack.InteractionCallback
	if err := json.Unmarshal([]byte(vals.Get("payload")), &ic); err != nil {
		t.Fatal(err)
	}
	if ic.Type != slack.InteractionTypeViewSubmission || ic.User.ID != "U0ALICE" || ic.View.CallbackID != "resolve" ||
		ic.View.PrivateMetadata != "inc:7" || ic.View.State.Values["summary"]["summary_text"].Value != "rolled back" {
		t.Errorf("view_submission = %+v", ic)
	}
	if _, err := s.ViewSubmission(v.ID, "U0ALICE", "alice", map[string]map[string]string{"nope": {"x": "y"}}); err == nil {
		t.Error("a value for an input the modal does not have was accepted")
	}
	if _, err := s.ViewSubmission("V404", "U0ALICE", "alice", nil); err == nil {
		t.Error("a view that was never opened was submitted")
	}
}

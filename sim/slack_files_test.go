package sim

import (
	"context"
	"io"
	"net/http"
	"strings"
	"testing"

	"github.com/google/go-cmp/cmp"
	"github.com/slack-go/slack"
)

func TestSlack_UploadFile(t *testing.T) {
	s, api := slackMustStart(t, SlackOptions{})
	ch := slackMustCreate(t, api, "inc-up")
	_, ts, _ := api.PostMessage(ch.ID, slack.MsgOptionText("parent", false))
	const content = "# Review\n\n- 10:02 alarm fired\n"
	sum, err := api.UploadFileContext(context.Background(), slack.UploadFileParameters{
		Filename: "review.md", FileSize: len(content), Reader: strings.NewReader(content),
		Title: "Post-incident review", Channel: ch.ID, InitialComment: "Draft review", ThreadTimestamp: ts,
	})
	if err != nil {
		t.Fatalf("upload: %v", err)
	}
	want := []SlackFile{{ID: sum.ID, Name: "review.md", Title: "Post-incident review", Channel: ch.ID, ThreadTS: ts, Data: []byte(content)}}
	if diff := cmp.Diff(want, s.Files()); diff != "" {
		t.Errorf("files (-want +got):\n%s", diff)
	}
	msgs := s.Messages(ch.ID)
	if last := msgs[len(msgs)-1]; last.Text != "Draft review" || last.ThreadTS != ts || len(last.Files) != 1 {
		t.Errorf("share message = %+v", last)
	}
	for _, method := range []string{"files.getUploadURLExternal", "files.upload", "files.completeUploadExternal"} {
		if n := s.CallCount(method); n != 1 {
			t.Errorf("CallCount(%s) = %d, want 1", method, n)
		}
	}
}

func TestSlack_UploadErrors(t *testing.T) {
	_, api := slackMustStart(t, SlackOptions{})
	_, err := api.UploadFileContext(context.Background(), slack.UploadFileParameters{
		Filename: "x.txt", FileSize: 1, Content: "x", Channel: "C404",
	})
	if code := slackErrCode(err); code != "channel_not_found" {
		t.Errorf("upload to unknown channel: %v", err)
	}
	_, err = api.CompleteUploadExternalContext(context.Background(), slack.CompleteUploadExternalParameters{
		Files: []slack.FileSummary{{ID: "F404"}},
	})
	if code := slackErrCode(err); code != "file_not_found" {
		t.Errorf("complete unknown file: %v", err)
	}
}

func TestSlack_ResponseURL(t *testing.T) {
	s, api := slackMustStart(t, SlackOptions{})
	u := s.ResponseURL("cmd-1")
	_, _, err := api.PostMessage("", slack.MsgOptionResponseURL(u, slack.ResponseTypeEphemeral), slack.MsgOptionText("Working on it", false))
	if err != nil {
		t.Fatalf("post to response_url: %v", err)
	}
	got := s.ResponseURLPosts()
	if len(got) != 1 {
		t.Fatalf("posts = %+v", got)
	}
	if got[0].ID != "cmd-1" || got[0].Text != "Working on it" || got[0].ResponseType != "ephemeral" {
		t.Errorf("post = %+v", got[0])
	}
}

func TestSlack_ViewsUsersGroups(t *testing.T) {
	s, api := slackMustStart(t, SlackOptions{UserGroups: map[string][]string{"S0ONCALL": {"U0ALICE"}}})
	modal := slack.ModalViewRequest{
		Type: slack.VTModal, CallbackID: "approve", Title: slack.NewTextBlockObject("plain_text", "Approve", false, false),
	}
	v, err := api.OpenView("trigger-1", modal)
	if err != nil || v.ID == "" || v.CallbackID != "approve" {
		t.Fatalf("views.open = %+v, %v", v, err)
	}
	_, err = api.OpenView("trigger-1", modal)
	if code := slackErrCode(err); code != "exchanged_trigger_id" {
		t.Errorf("reused trigger: %v", err)
	}
	if views := s.Views(); len(views) != 1 || views[0].TriggerID != "trigger-1" {
		t.Errorf("views = %+v", views)
	}
	u, err := api.GetUserInfo("U0ALICE")
	if err != nil || u.RealName != "Alice Adams" {
		t.Errorf("users.info = %+v, %v", u, err)
	}
	if _, err := api.GetUserInfo("U0NOBODY"); slackErrCode(err) != "user_not_found" {
		t.Errorf("unknown user: %v", err)
	}
	members, err := api.GetUserGroupMembers("S0ONCALL")
	if err != nil || !cmp.Equal(members, []string{"U0ALICE"}) {
		t.Errorf("usergroups.users.list = %v, %v", members, err)
	}
	if _, err := api.GetUserGroupMembers("S0NONE"); slackErrCode(err) != "no_such_subteam" {
		t.Errorf("unknown group: %v", err)
	}
	groups, err := api.GetUserGroups(slack.GetUserGroupsOptionIncludeUsers(true), slack.GetUserGroupsOptionIncludeCount(true))
	if err != nil || len(groups) != 1 || groups[0].ID != "S0ONCALL" || groups[0].UserCount != 1 ||
		!cmp.Equal(groups[0].Users, []string{"U0ALICE"}) || !groups[0].IsUserGroup {
		t.Errorf("usergroups.list = %+v, %v", groups, err)
	}
}

func TestSlack_ViewHandler(t *testing.T) {
	s, api := slackMustStart(t, SlackOptions{})
	ch := slackMustCreate(t, api, "inc-html")
	if _, _, err := api.PostMessage(ch.ID, slack.MsgOptionText("<script>alert(1)</script>", false), slackTestBlocks()); err != nil {
		t.Fatal(err)
	}
	if _, _, err := api.PostMessage(ch.ID, slack.MsgOptionText("<script>alert(2)</script>", false)); err != nil {
		t.Fatal(err)
	}
	resp, err := http.Get(s.URL() + "_sim/slack/")
	if err != nil {
		t.Fatal(err)
	}
	defer resp.Body.Close()
	body, _ := io.ReadAll(resp.Body)
	page := string(body)
	for _, want := range []string{`http-equiv="refresh" content="2"`, "#inc-html", "&lt;script&gt;alert(2)", `<span class="button">Approve</span>`, "INC-7 opened"} {
		if !strings.Contains(page, want) {
			t.Errorf("page lacks %q", want)
		}
	}
	if strings.Contains(page, "<script>") {
		t.Errorf("page has unescaped message text")
	}
	if n := len(s.Calls()); n != 3 {
		t.Errorf("viewing the page was recorded as a call: %d calls", n)
	}
}

func TestSlack_UsersLookupByEmail(t *testing.T) {
	s, api := slackMustStart(t, SlackOptions{Users: []SlackUser{{ID: "U0ALICE", Name: "alice", Email: "Alice@Example.com"}}})
	u, err := api.GetUserByEmail("alice@example.com")
	if err != nil || u.ID != "U0ALICE" || u.Profile.Email != "Alice@Example.com" {
		t.Errorf("users.lookupByEmail = %+v, %v", u, err)
	}
	if _, err := api.GetUserByEmail("nobody@example.com"); slackErrCode(err) != "users_not_found" {
		t.Errorf("an unknown address: %v, want users_not_found", err)
	}
	if n := s.CallCount("users.lookupByEmail"); n != 2 {
		t.Errorf("CallCount = %d", n)
	}
}

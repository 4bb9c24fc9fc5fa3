package bot

import (
	"context"
	"errors"
	"strings"
	"testing"
	"time"

	"github.com/google/go-cmp/cmp"

	"github.com/tocsin-dev/tocsin/dispatch"
	"github.com/tocsin-dev/tocsin/incident"
	"github.com/tocsin-dev/tocsin/sim"
)

// mustIncidentWithChannel creates inc's channel and header through ex.
func mustIncidentWithChannel(t *testing.T, ex *Executor) incident.Incident {
	t.Helper()
	inc := testIncident()
	mustExecute(t, ex, incident.Effect{Kind: dispatch.EffSlackChannel, Incident: 42}, &inc)
	mustExecute(t, ex, incident.Effect{Kind: dispatch.EffSlackTopic, Incident: 42}, &inc)
	mustExecute(t, ex, incident.Effect{Kind: dispatch.EffSlackHeader, Incident: 42}, &inc)
	return inc
}

func TestExecutor_Update(t *testing.T) {
	s := MustSlack(t)
	ex := newTestExecutor(t, s, nil)
	inc := mustIncidentWithChannel(t, ex)
	update := incident.Effect{Kind: dispatch.EffSlackUpdate, Incident: 42}

	mustExecute(t, ex, update, &inc)
	if n := s.CallCount("conversations.setTopic"); n != 1 {
		t.Errorf("unchanged topic set again: %d setTopic calls", n)
	}
	inc.Severity, inc.Status = incident.SEV1, incident.StatusAcknowledged
	mustExecute(t, ex, update, &inc)
	if n := s.CallCount("conversations.setTopic"); n != 2 {
		t.Errorf("changed topic: %d setTopic calls, want 2", n)
	}
	ch, _ := s.ChannelByName(inc.Channel.Name)
	msgs := s.Messages(ch.ID)
	if ch.Topic != Topic(inc) || len(msgs) != 1 || msgs[0].Edited != 2 || !strings.Contains(string(msgs[0].Blocks), "SEV1") {
		t.Errorf("topic %q, header %+v", ch.Topic, msgs)
	}

	t.Run("AfterRestart", func(t *testing.T) {
		ex2 := newTestExecutor(t, s, nil)
		mustExecute(t, ex2, update, &inc)
		if n := s.CallCount("conversations.setTopic"); n != 2 {
			t.Errorf("a new process set an unchanged topic: %d setTopic calls", n)
		}
	})
}

func TestExecutor_Posts(t *testing.T) {
	s := MustSlack(t)
	ex := newTestExecutor(t, s, nil)
	inc := mustIncidentWithChannel(t, ex)
	run := map[string]string{
		"run": "run-7", "runbook": "restart-api", "document": "tocsin-RestartService",
		"targets": "i-0abc", "params": `{"service":"api"}`, "requested_by": "U0BOB",
	}
	effects := []incident.Effect{
		{Kind: dispatch.EffSlackPost, Data: map[string]string{"text": "escalating <!channel>", "thread": "header", "mention": "U0ALICE,S0SRE,here"}},
		{Kind: dispatch.EffSlackChecklist, Data: map[string]string{"items": `["Page the owner","Check deploys"]`}},
		{Kind: dispatch.EffSlackApproval, Data: run},
		{Kind: dispatch.EffSlackRunStatus, Data: merge(run, map[string]string{"status": "running", "text": "step 1 of 2"})},
		{Kind: dispatch.EffSlackRunStatus, Data: merge(run, map[string]string{"status": "finished", "text": "done"})},
		{Kind: dispatch.EffSlackFile, Data: map[string]string{"name": "review.md", "title": "Review", "content": "# INC-42\n"}},
	}
	for _, eff := range effects {
		eff.Incident = 42
		mustExecute(t, ex, eff, &inc)
	}
	msgs := s.Messages(inc.Channel.ID)
	if len(msgs) != 6 {
		t.Fatalf("%d messages, want header, post, checklist, approval, progress, file", len(msgs))
	}
	post := msgs[1]
	if post.ThreadTS != inc.Channel.HeaderTS || post.Text != "<@U0ALICE> <!subteam^S0SRE> <!here> escalating &lt;!channel&gt;" {
		t.Errorf("post = %+v", post)
	}
	if !strings.Contains(string(msgs[2].Blocks), `"inc:42:item:1"`) || !strings.Contains(string(msgs[3].Blocks), `"tocsin_approve"`) {
		t.Errorf("checklist or approval blocks wrong: %s / %s", msgs[2].Blocks, msgs[3].Blocks)
	}
	if msgs[4].Edited != 1 || !strings.Contains(string(msgs[4].Blocks), "finished") {
		t.Errorf("progress message not updated in place: edited %d, %s", msgs[4].Edited, msgs[4].Blocks)
	}
	files := s.Files()
	if len(files) != 1 || files[0].Name != "review.md" || string(files[0].Data) != "# INC-42\n" ||
		files[0].Channel != inc.Channel.ID || len(msgs[5].Files) != 1 {
		t.Errorf("files = %+v", files)
	}

	t.Run("BadData", func(t *testing.T) {
		for _, eff := range []incident.Effect{
			{Kind: dispatch.EffSlackChecklist, Data: map[string]string{"items": "[{"}},
			{Kind: dispatch.EffSlackApproval, Data: map[string]string{"runbook": "x"}},
			{Kind: dispatch.EffSlackPost},
			{Kind: dispatch.EffSlackFile, Data: map[string]string{"graph": "1"}},
			{Kind: "slack.unknown"},
		} {
			if _, err := ex.Execute(context.Background(), eff, inc); !errors.Is(err, dispatch.ErrPermanent) {
				t.Errorf("%s %v: %v, want ErrPermanent", eff.Kind, eff.Data, err)
			}
		}
	})
}

func TestExecutor_Invite(t *testing.T) {
	s := MustSlack(t)
	ex := newTestExecutor(t, s, nil)
	inc := mustIncidentWithChannel(t, ex)
	invite := incident.Effect{Kind: dispatch.EffSlackInvite, Incident: 42, Data: map[string]string{"users": "U0ALICE"}}
	mustExecute(t, ex, invite, &inc)
	mustExecute(t, ex, invite, &inc) // already_in_channel is success
	invite.Data["users"] = "U0ALICE, U0BOB, U0NOBODY, not-an-id, S0NOSUCH, " + "U0TOCSINBOT"
	_, err := ex.Execute(context.Background(), invite, inc)
	if !errors.Is(err, dispatch.ErrPermanent) {
		t.Fatalf("invite naming unknown ids: %v, want ErrPermanent", err)
	}
	var told interface{ UserMessage() string }
	if !errors.As(err, &told) || !strings.Contains(told.UserMessage(), "`U0NOBODY`") || !strings.Contains(told.UserMessage(), "`S0NOSUCH`") {
		t.Errorf("the responders are not told which ids are unknown: %v", err)
	}
	ch, _ := s.ChannelByName(inc.Channel.Name)
	want := []string{sim.SlackBotUserID, "U0ALICE", "U0BOB"}
	if diff := cmp.Diff(want, ch.Members); diff != "" {
		t.Errorf("members (-want +got):\n%s", diff)
	}
}

func TestExecutor_UserGroups(t *testing.T) {
	s := MustSlack(t)
	ex := newTestExecutor(t, s, nil)
	for range 3 {
		users, err := ex.UserGroups(context.Background(), "S0SRE")
		if err != nil || !cmp.Equal(users, []string{"U0BOB", "U0CAROL"}) {
			t.Fatalf("UserGroups = %v, %v", users, err)
		}
	}
	if n := s.CallCount("usergroups.users.list"); n != 1 {
		t.Errorf("usergroups.users.list called %d times, want 1 (cached)", n)
	}
}

func merge(a, b map[string]string) map[string]string {
	out := map[string]string{}
	for k, v := range a {
		out[k] = v
	}
	for k, v := range b {
		out[k] = v
	}
	return out
}

// With replicas, a leader may post a message (or share a file) and die
// before recording it;
// the next leader's executor was made before that effect was enqueued, so
// only NewTerm, called when its term begins, makes it look for the
// message before posting again.
func TestExecutor_NewTermDoubtsEarlierEffects(t *testing.T) {
	s := MustSlack(t)
	clock := sim.NewClock(time.Now())
	cfg := func(c *ExecutorConfig) { c.Now = clock.Now }
	next := newTestExecutor(t, s, cfg) // a replica that does not lead yet
	clock.Advance(time.Minute)
	dead := newTestExecutor(t, s, cfg) // the leader, which dies after posting
	inc := testIncident()
	mustExecute(t, dead, incident.Effect{Kind: dispatch.EffSlackChannel, Incident: 42}, &inc)
	post := incident.Effect{ID: 7, Kind: dispatch.EffSlackPost, Incident: 42, CreatedAt: clock.Now(),
		Data: map[string]string{"text": "Failing over the primary database."}}
	file := incident.Effect{ID: 8, Kind: dispatch.EffSlackFile, Incident: 42, CreatedAt: clock.Now(),
		Data: map[string]string{"name": "inc-42-review.md", "content": "# INC-42"}} // untitled, as the alarm graph is
	mustExecute(t, dead, post, &inc) // posted; its result never recorded
	mustExecute(t, dead, file, &inc) // shared; its result never recorded
	clock.Advance(time.Second)
	next.NewTerm()
	mustExecute(t, next, post, &inc)
	mustExecute(t, next, file, &inc)
	n := 0
	for _, m := range s.Messages(inc.Channel.ID) {
		if strings.Contains(m.Text, "Failing over the primary database.") {
			n++
		}
	}
	if n != 1 || len(s.Files()) != 1 {
		t.Errorf("the message is in the channel %d times and %d files were shared, want 1 of each", n, len(s.Files()))
	}
}

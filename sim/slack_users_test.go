package sim

import (
	"slices"
	"testing"

	"github.com/slack-go/slack"
)

// TestSlack_UsersList pages through users.list with slack-go's paginator
// and reads the names a directory shows: the display name, else the full
// name, and a user group's name from usergroups.list.
func TestSlack_UsersList(t *testing.T) {
	_, api := slackMustStart(t, SlackOptions{UserGroups: map[string][]string{"S0ONCALL": {"U0ALICE"}, "S0OTHER": nil},
		UserGroupNames: map[string]string{"S0ONCALL": "Platform on-call"}})
	var ids []string
	p := api.GetUsersPaginated(slack.GetUsersOptionLimit(1))
	var err error
	for pages := 0; pages < 10; pages++ {
		if p, err = p.Next(t.Context()); p.Done(err) {
			break
		} else if err != nil {
			t.Fatalf("users.list page %d: %v", pages, err)
		}
		for _, u := range p.Users {
			ids = append(ids, u.ID)
		}
	}
	want := []string{}
	for _, u := range slackTestUsers {
		want = append(want, u.ID)
	}
	want = append(want, SlackBotUserID)
	slices.Sort(want)
	if !slices.Equal(ids, want) {
		t.Errorf("users.list paged through %v, want %v", ids, want)
	}
	all, err := api.GetUsersContext(t.Context())
	if err != nil || len(all) != len(want) {
		t.Fatalf("users.list at once: %d users, %v", len(all), err)
	}
	u, _ := api.GetUserInfo("U0ALICE")
	if u.Profile.DisplayName == "" || u.Profile.RealNameNormalized != u.RealName || u.TZ == "" {
		t.Errorf("users.info lacks documented fields: %+v", u)
	}
	if _, err := api.GetUsersPaginated(slack.GetUsersOptionCursor("bm9wZQ==")).Next(t.Context()); slackErrCode(err) != "invalid_cursor" {
		t.Errorf("a bad cursor: %v", err)
	}
	groups, err := api.GetUserGroups()
	if err != nil || len(groups) != 2 || groups[0].Name != "Platform on-call" || groups[0].Handle != "platform-on-call" || groups[1].Name != "s0other" {
		t.Errorf("usergroups.list = %+v, %v", groups, err)
	}
	if SlackTier("users.list") != 2 {
		t.Error("users.list is Tier 2 on its reference page")
	}
}

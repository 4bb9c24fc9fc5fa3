package bot

import (
	"context"
	"encoding/json"
	"net/http"
	"sync"
	"testing"
	"time"

	"github.com/slack-go/slack"

	"github.com/tocsin-dev/tocsin/sim"
)

// memNames is a NameStore in memory.
type memNames struct {
	mu sync.Mutex
	m  map[string][]byte
}

func (s *memNames) Get(key string) ([]byte, bool, error) {
	s.mu.Lock()
	defer s.mu.Unlock()
	v, ok := s.m[key]
	return v, ok, nil
}

func (s *memNames) Put(ctx context.Context, key string, value []byte) error {
	s.mu.Lock()
	defer s.mu.Unlock()
	if s.m == nil {
		s.m = map[string][]byte{}
	}
	s.m[key] = value
	return nil
}

// directoryWorld is a Slack stand-in with people and a named group, and a
// directory over it through a real slack-go client.
func directoryWorld(t *testing.T) (*sim.Slack, *Directory, *memNames) {
	t.Helper()
	s := sim.NewSlack(sim.SlackOptions{BotToken: "xoxb-test",
		Users:          []sim.SlackUser{{ID: "U0ALICE", Name: "alice", RealName: "Alice Adams"}, {ID: "U0BOB", RealName: "Bob Brown"}},
		UserGroups:     map[string][]string{"S0ONCALL": {"U0ALICE"}},
		UserGroupNames: map[string]string{"S0ONCALL": "Platform on-call"}})
	s.Start()
	t.Cleanup(s.Close)
	store := &memNames{}
	api := slack.New("xoxb-test", slack.OptionAPIURL(s.URL()))
	return s, NewDirectory(api, store, nil, nil), store
}

func TestDirectory_ListsAndKeepsNames(t *testing.T) {
	_, d, store := directoryWorld(t)
	if got := d.Person("U0ALICE"); got != "U0ALICE" {
		t.Errorf("before listing: Person = %q, want the id", got)
	}
	d.list(t.Context())
	d.persist(t.Context())
	for id, want := range map[string]string{
		"U0ALICE": "alice", "U0BOB": "Bob Brown", "S0ONCALL": "Platform on-call", "U0NOBODY": "U0NOBODY", "": "",
	} {
		got := d.Person(id)
		if id[0:min(1, len(id))] == "S" {
			got = d.Group(id)
		}
		if got != want {
			t.Errorf("name of %q = %q, want %q", id, got, want)
		}
	}
	var kept storedNames
	if err := json.Unmarshal(store.m[namesKey], &kept); err != nil || kept.Version != 1 || kept.Names["S0ONCALL"] != "Platform on-call" {
		t.Fatalf("kept names = %s, %v", store.m[namesKey], err)
	}
	// A new process names people from the store before Slack answers.
	restarted := NewDirectory(slack.New("xoxb-wrong", slack.OptionAPIURL("http://127.0.0.1:1/")), store, nil, nil)
	restarted.Load()
	if got := restarted.Person("U0BOB"); got != "Bob Brown" {
		t.Errorf("after a restart: Person = %q, want the kept name", got)
	}
}

func TestDirectory_LooksUpNewPeople(t *testing.T) {
	s, d, _ := directoryWorld(t)
	d.list(t.Context())
	s.AddUser(sim.SlackUser{ID: "U0CAROL", Name: "carol", RealName: "Carol Chen"}) // joined after the listing
	if got := d.Person("U0CAROL"); got != "U0CAROL" {
		t.Errorf("Person never waits for Slack, got %q", got)
	}
	d.Person("U0GONE")
	d.lookUpPending(t.Context())
	if got := d.Person("U0CAROL"); got != "carol" {
		t.Errorf("after the lookup: Person = %q, want carol", got)
	}
	// Slack said U0GONE does not exist: it is not asked about again soon.
	before := s.CallCount("users.info")
	d.Person("U0GONE")
	d.lookUpPending(t.Context())
	if n := s.CallCount("users.info") - before; n != 0 {
		t.Errorf("an unknown user was asked about %d more times within the hour", n)
	}
}

func TestDirectory_Resolve(t *testing.T) {
	s, d, store := directoryWorld(t)
	s.FailNext("users.info", 1, sim.SlackFault{Status: http.StatusTooManyRequests, RetryAfter: time.Second})
	d.Resolve(t.Context(), "U0ALICE", "S0ONCALL", "tocsin", "alarm:api-5xx")
	if d.Person("U0ALICE") != "alice" || d.Group("S0ONCALL") != "Platform on-call" {
		t.Errorf("Resolve did not name them: %q, %q", d.Person("U0ALICE"), d.Group("S0ONCALL"))
	}
	if store.m[namesKey] == nil {
		t.Error("Resolve did not keep what it learned")
	}
	if n := s.CallCount("users.list"); n != 0 {
		t.Errorf("Resolve listed the whole workspace (%d calls)", n)
	}
}

// TestDirectory_UnknownGroups: the start-up check of group ids shares the
// directory's usergroups.list call.
func TestDirectory_UnknownGroups(t *testing.T) {
	s, d, _ := directoryWorld(t)
	d.list(t.Context())
	unknown, err := d.UnknownGroups(t.Context(), []string{"S0ONCALL", "S0GONE"})
	if err != nil || len(unknown) != 1 || unknown[0] != "S0GONE" {
		t.Errorf("UnknownGroups = %v, %v; want [S0GONE]", unknown, err)
	}
	if n := s.CallCount("usergroups.list"); n != 1 {
		t.Errorf("usergroups.list called %d times, want once", n)
	}
}

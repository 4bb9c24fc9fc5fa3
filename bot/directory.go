package bot

import (
	"context"
	"encoding/json"
	"log/slog"
	"strings"
	"sync"
	"time"

	"github.com/slack-go/slack"
)

// The directory's timing: the whole workspace is listed again every
// refreshEvery (names change rarely); a failed listing is tried again
// after retryEvery; a user Slack does not know is asked about again after
// missingFor at the earliest.
const (
	refreshEvery = 24 * time.Hour
	retryEvery   = 5 * time.Minute
	missingFor   = time.Hour
)

// namesKey is where the directory keeps its names in the store's key-value
// state, so that every process reading the store (another replica, a
// restart before Slack answers) names people at once.
const namesKey = "names/v1"

// DirectoryAPI is the Slack Web API the directory calls; *slack.Client
// satisfies it.
type DirectoryAPI interface {
	GetUsersContext(ctx context.Context, options ...slack.GetUsersOption) ([]slack.User, error)
	GetUserInfoContext(ctx context.Context, user string, options ...slack.GetUserInfoOption) (*slack.User, error)
	GetUserGroupsContext(ctx context.Context, options ...slack.GetUserGroupsOption) ([]slack.UserGroup, error)
}

// NameStore keeps the directory's names across restarts (the store's
// key-value state).
type NameStore interface {
	Get(key string) ([]byte, bool, error)
	Put(ctx context.Context, key string, value []byte) error
}

// Directory names Slack users and user groups for text that leaves Slack:
// the dashboard, the API and CLI, reviews and the digest. Inside Slack,
// tocsin keeps mentions. It lists the workspace's users (users.list) and
// groups (usergroups.list) when it starts and once a day, asks users.info
// about a user it meets that the listing did not have, and keeps every name
// in the store. Person and Group never wait for Slack: an id the directory
// does not know yet comes back unchanged and is looked up in the
// background. It is safe for concurrent use.
type Directory struct {
	api   DirectoryAPI
	store NameStore
	log   *slog.Logger
	now   func() time.Time

	mu        sync.Mutex
	names     map[string]string    // user or group id -> name
	missing   map[string]time.Time // ids Slack did not know, and when it said so
	pending   map[string]bool      // user ids to ask users.info about
	listedAt  time.Time            // the last full listing (or failed attempt, minus the retry)
	groupsAt  time.Time            // the last usergroups.list
	groups    map[string]bool      // the group ids it returned
	listing   sync.Mutex           // one usergroups.list at a time
	wake      chan struct{}
	persisted bool // names holds nothing the store lacks
}

// NewDirectory returns a directory over api that keeps names in store; nil
// now means time.Now and a nil logger discards. With a nil api (Slack is not
// configured) it only knows the names an earlier run kept (Load).
func NewDirectory(api DirectoryAPI, store NameStore, log *slog.Logger, now func() time.Time) *Directory {
	if now == nil {
		now = time.Now
	}
	if log == nil {
		log = slog.New(slog.DiscardHandler)
	}
	return &Directory{api: api, store: store, log: log, now: now, names: map[string]string{},
		missing: map[string]time.Time{}, pending: map[string]bool{}, wake: make(chan struct{}, 1), persisted: true}
}

// Person is a user's name, or the id while it is unknown.
func (d *Directory) Person(id string) string {
	d.mu.Lock()
	defer d.mu.Unlock()
	if n, ok := d.names[id]; ok {
		return n
	}
	if isUserID(id) && !d.recentlyMissing(id) {
		d.pending[id] = true
		select {
		case d.wake <- struct{}{}:
		default:
		}
	}
	return id
}

// Group is a user group's name, or the id while it is unknown.
func (d *Directory) Group(id string) string {
	d.mu.Lock()
	defer d.mu.Unlock()
	if n, ok := d.names[id]; ok {
		return n
	}
	return id
}

// recentlyMissing reports whether Slack said it does not know id within
// missingFor. d.mu is held.
func (d *Directory) recentlyMissing(id string) bool {
	at, ok := d.missing[id]
	return ok && d.now().Sub(at) < missingFor
}

// isUserID reports whether id looks like a Slack user id (U… or W…).
func isUserID(id string) bool {
	return len(id) > 2 && (id[0] == 'U' || id[0] == 'W') && strings.ToUpper(id) == id && !strings.ContainsAny(id, " <>@:")
}

// Load reads the names an earlier run kept. A store that cannot be read
// leaves the directory empty: it fills again from Slack.
func (d *Directory) Load() {
	b, ok, err := d.store.Get(namesKey)
	if err != nil || !ok {
		if err != nil {
			d.log.Warn("read kept Slack names", "err", err)
		}
		return
	}
	var kept storedNames
	if err := json.Unmarshal(b, &kept); err != nil || kept.Version != 1 {
		d.log.Warn("kept Slack names are unreadable; listing them again", "err", err)
		return
	}
	d.mu.Lock()
	defer d.mu.Unlock()
	for id, n := range kept.Names {
		if _, ok := d.names[id]; !ok {
			d.names[id] = n
		}
	}
}

// storedNames is the value under namesKey.
type storedNames struct {
	Version int               `json:"v"`
	Names   map[string]string `json:"names"`
}

// persist writes the names to the store when they changed.
func (d *Directory) persist(ctx context.Context) {
	d.mu.Lock()
	if d.persisted {
		d.mu.Unlock()
		return
	}
	b, _ := json.Marshal(storedNames{Version: 1, Names: d.names}) // strings only: cannot fail
	d.persisted = true
	d.mu.Unlock()
	if err := d.store.Put(ctx, namesKey, b); err != nil {
		d.log.Warn("keep Slack names", "err", err)
		d.mu.Lock()
		d.persisted = false
		d.mu.Unlock()
	}
}

// learn records a name.
func (d *Directory) learn(id, name string) {
	if id == "" || name == "" {
		return
	}
	d.mu.Lock()
	defer d.mu.Unlock()
	if d.names[id] != name {
		d.names[id] = name
		d.persisted = false
	}
	delete(d.missing, id)
	delete(d.pending, id)
}

// userName is what Slack's own clients show for a user: the display name,
// else the full name, else the username.
func userName(u slack.User) string {
	for _, n := range []string{u.Profile.DisplayName, u.Profile.RealName, u.RealName, u.Name} {
		if n = strings.TrimSpace(n); n != "" {
			return n
		}
	}
	return ""
}

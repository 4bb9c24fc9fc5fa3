package report

import "strings"

// Names turns Slack ids into the names people know them by, for text that
// leaves Slack (the dashboard, the CLI, reviews and the digest). Inside
// Slack, tocsin keeps mentions. An id Names does not know comes back
// unchanged.
type Names interface {
	Person(id string) string // a user: U…, W…
	Group(id string) string  // a user group: S…
}

// Nobody is the Names that knows no one: every id stays an id.
var Nobody Names = nobody{}

type nobody struct{}

func (nobody) Person(id string) string { return id }
func (nobody) Group(id string) string  { return id }

// orNobody returns n, or Nobody when n is nil.
func orNobody(n Names) Names {
	if n == nil {
		return Nobody
	}
	return n
}

// Name is what people call the user or group with this id: groups (S…)
// through n.Group, everyone else through n.Person.
func Name(n Names, id string) string {
	n = orNobody(n)
	id = strings.TrimSpace(id)
	if isGroupID(id) {
		return n.Group(id)
	}
	return n.Person(id)
}

// isGroupID reports whether id looks like a Slack user group id.
func isGroupID(id string) bool {
	return len(id) > 1 && id[0] == 'S' && strings.ToUpper(id) == id
}

// Actor is who did something, for a sentence: a person's name, "tocsin",
// "alarm api-5xx" for an alarm and "playbook api" for a playbook's rule.
func Actor(n Names, actor string) string {
	switch {
	case actor == "":
		return "someone"
	case actor == "tocsin":
		return actor
	}
	if kind, name, ok := strings.Cut(actor, ":"); ok && kind != "" && name != "" && strings.ToLower(kind) == kind {
		return kind + " " + name
	}
	return Name(n, actor)
}

// nameList names every id of a comma-separated list, joined by ", ".
func nameList(n Names, ids string) string {
	var out []string
	for id := range strings.SplitSeq(ids, ",") {
		if id = strings.TrimSpace(id); id != "" {
			out = append(out, Name(n, id))
		}
	}
	return strings.Join(out, ", ")
}

// Method says how the start of impact was found, naming the person in
// "declared by U…" and "corrected by U…".
func Method(n Names, method string) string {
	for _, prefix := range []string{"declared by ", "corrected by "} {
		if id, ok := strings.CutPrefix(method, prefix); ok {
			return prefix + Actor(n, id)
		}
	}
	return method
}

// NameMap is Names from a map of ids to names (a directory's answer sent
// over the API, say); an id it lacks stays an id.
type NameMap map[string]string

// Person is the user's name, or the id.
func (m NameMap) Person(id string) string { return m.name(id) }

// Group is the group's name, or the id.
func (m NameMap) Group(id string) string { return m.name(id) }

func (m NameMap) name(id string) string {
	if n, ok := m[id]; ok && n != "" {
		return n
	}
	return id
}

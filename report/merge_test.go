package report

import (
	"errors"
	"strings"
	"testing"
	"time"

	"github.com/google/go-cmp/cmp"
	"github.com/tocsin-dev/tocsin/incident"
)

func TestMerge(t *testing.T) {
	tl := inc42(t)
	saved := Review(tl.incident(), tl.events, reviewNow, ReviewOptions{})
	// People write in two prompt sections, tick a follow-up, add a section of
	// their own, and edit a line tocsin owns.
	saved = strings.Replace(saved, "_Replace this line: What helped us detect, respond or recover?_",
		"The rollback runbook worked first time.\n\nPaging reached U111 in a minute.", 1)
	saved = strings.Replace(saved, "_Replace this line: What could have gone worse, and why did it not?_",
		"It was Sunday night.", 1)
	saved = strings.Replace(saved, "- [ ] Alert on deploy error rate", "- [x] Alert on deploy error rate", 1)
	saved = strings.Replace(saved, "| MTTD | 5m05s |", "| MTTD | 1m |", 1)
	saved += "\n" + HumanStart + "\n## Customer comms\n\nSupport posted on the status page at 23:30.\n" + HumanEnd + "\n"

	// The timeline grows: another follow-up.
	tl.add(hm(34, 10, 0), incident.EventFollowup, "U222", "Runbook for cache purge")
	draft := Review(tl.incident(), tl.events, reviewNow.Add(time.Hour), ReviewOptions{})
	got := Merge(draft, saved)

	for _, want := range []string{
		"## What went well\n\nThe rollback runbook worked first time.\n\nPaging reached U111 in a minute.\n" + HumanEnd,
		"## Where we got lucky\n\nIt was Sunday night.\n" + HumanEnd,
		"_Replace this line: What slowed us down or made things worse?_",
		"- [x] Alert on deploy error rate\n",
		"- [ ] Add a canary \\| for checkout\n",
		"- [ ] Runbook for cache purge\n",
		"| MTTD | 5m05s |",
		"## Customer comms\n\nSupport posted on the status page at 23:30.\n" + HumanEnd,
		"from 26 timeline events",
	} {
		if !strings.Contains(got, want) {
			t.Errorf("merged review lacks %q", want)
		}
	}
	if strings.Contains(got, "| MTTD | 1m |") {
		t.Error("an edit outside the human sections survived; the timeline's facts must win")
	}
	if n := strings.Count(got, HumanStart); n != 5 || strings.Count(got, HumanEnd) != 5 {
		t.Errorf("got %d human sections, want the 4 prompts and the added one", n)
	}
	if again := Merge(draft, got); again != got {
		t.Errorf("merging twice changed the review:\n%s", cmp.Diff(got, again))
	}
}

func TestMerge_EdgeCases(t *testing.T) {
	draft := "# Draft\n\n" + HumanStart + "\n## Notes\n\n_placeholder_\n" + HumanEnd + "\n\nfooter\n"
	tests := []struct {
		name, saved, want string
	}{
		{name: "NoSaved", saved: "", want: draft},
		{name: "Kept", saved: "# Old\n\n" + HumanStart + "\n## Notes\n\nmine\n" + HumanEnd + "\n\nold footer\n",
			want: "# Draft\n\n" + HumanStart + "\n## Notes\n\nmine\n" + HumanEnd + "\n\nfooter\n"},
		{name: "UnclosedRunsToTheEnd", saved: "# Old\n\n" + HumanStart + "\n## Notes\n\nmine, and the end marker was deleted\n",
			want: "# Draft\n\n" + HumanStart + "\n## Notes\n\nmine, and the end marker was deleted\n" + HumanEnd + "\n\nfooter\n"},
		{name: "RenamedIsAppended", saved: HumanStart + "\n## Thoughts\n\nmine\n" + HumanEnd,
			want: draft + "\n" + HumanStart + "\n## Thoughts\n\nmine\n" + HumanEnd + "\n"},
		{name: "HeadingCaseAndSpace", saved: HumanStart + "\n##   notes \nmine\n" + HumanEnd,
			want: "# Draft\n\n" + HumanStart + "\n##   notes \nmine\n" + HumanEnd + "\n\nfooter\n"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			if diff := cmp.Diff(tt.want, Merge(draft, tt.saved)); diff != "" {
				t.Errorf("Merge (-want +got):\n%s", diff)
			}
		})
	}
}

func TestParts(t *testing.T) {
	tl := inc42(t)
	doc := Review(tl.incident(), tl.events, reviewNow, ReviewOptions{})
	parts := Parts(doc)
	var joined strings.Builder
	var human []string
	for _, p := range parts {
		joined.WriteString(p.Text)
		if p.Human {
			human = append(human, p.Heading())
			if p.Body() != "" || p.Prompt() == "" {
				t.Errorf("a fresh section %q: body %q, prompt %q; want no body and a prompt", p.Key, p.Body(), p.Prompt())
			}
		}
	}
	if joined.String() != doc {
		t.Error("the parts joined are not the document")
	}
	if want := []string{"What went well", "What went badly", "Where we got lucky", "Contributing factors"}; strings.Join(human, "|") != strings.Join(want, "|") {
		t.Errorf("human sections %q, want %q", human, want)
	}
}

func TestSetSection(t *testing.T) {
	tl := inc42(t)
	doc := Review(tl.incident(), tl.events, reviewNow, ReviewOptions{})
	got, err := SetSection(doc, "what went well", "The rollback worked.\r\n\r\n- paging was fast")
	if err != nil {
		t.Fatal(err)
	}
	want := HumanStart + "\n## What went well\n\nThe rollback worked.\n\n- paging was fast\n" + HumanEnd
	if !strings.Contains(got, want) {
		t.Errorf("the section is not replaced:\n%s", got)
	}
	if strings.Count(got, HumanStart) != 4 || !strings.Contains(got, "_Replace this line: What slowed us down") {
		t.Error("another section changed")
	}
	// The merge a later regeneration does keeps the text.
	if merged := Merge(Review(tl.incident(), tl.events, reviewNow, ReviewOptions{}), got); !strings.Contains(merged, want) {
		t.Error("Merge drops the section's new text")
	}
	back, err := SetSection(got, "what went well", "  ")
	if err != nil || back != doc {
		t.Errorf("an empty body does not put the prompt back (err %v):\n%s", err, back)
	}
	if _, err := SetSection(doc, "no such heading", "x"); !errors.Is(err, ErrNoSection) {
		t.Errorf("an unknown section: err %v, want ErrNoSection", err)
	}
	if same, err := SetSection(doc, "what went well", "a\n"+HumanEnd+"\nb"); !errors.Is(err, incident.ErrInvalid) || same != doc {
		t.Errorf("a body with a marker: err %v, changed %t", err, same != doc)
	}
}

package e2e

import (
	"strings"
	"testing"

	"github.com/tocsin-dev/tocsin/sim"
)

// TestSlack_HeaderAtAGlance: the header shows times in each reader's own
// time zone (<!date^…>), leaves out what is not known instead of showing
// dashes, and carries the last status update.
func TestSlack_HeaderAtAGlance(t *testing.T) {
	h, _, ch := declared(t, Options{}, "U0ALICE", "Checkout is failing sev2")
	h.Slash("U0ALICE", ch.ID, "status rolled back the deploy")
	h.WaitFor("the header to show the update", func() bool {
		m, _ := h.PinnedHeader(ch.ID, 1)
		return strings.Contains(strings.Join(sim.SlackBlocksText(m.Blocks), "\n"), "rolled back the deploy")
	})
	m, _ := h.PinnedHeader(ch.ID, 1)
	text := strings.Join(sim.SlackBlocksText(m.Blocks), "\n")
	if !strings.Contains(text, "<!date^") {
		t.Errorf("the header has no time for the reader's time zone:\n%s", text)
	}
	if strings.Contains(text, "—\n") || strings.HasSuffix(text, "—") || strings.Contains(text, "*Scribe*") {
		t.Errorf("the header shows fields nobody filled in:\n%s", text)
	}
}

// TestSlack_NotToldTwice: a command typed in the incident's channel whose
// outcome tocsin posts there is not repeated to its author privately; from
// elsewhere, the author is told.
func TestSlack_NotToldTwice(t *testing.T) {
	h, lobby, ch := declared(t, Options{}, "U0ALICE", "Checkout is failing sev2")
	inside := h.Slash("U0ALICE", ch.ID, "sev 1")
	h.WaitFor("the severity change in the channel", func() bool { return h.ChannelSays(ch.ID, "from SEV2 to SEV1") })
	outside := h.Slash("U0ALICE", lobby.ID, "INC-1 sev 2")
	if got := h.WaitReply(outside); !strings.Contains(got, "from SEV1 to SEV2") {
		t.Errorf("the author outside the channel was told %q", got)
	}
	h.Settle()
	if got := h.Replies(inside); len(got) != 0 {
		t.Errorf("the author in the channel was told again, privately: %q", got)
	}
}

package bot

import (
	"regexp"
	"strings"
	"testing"

	"github.com/tocsin-dev/tocsin/incident"
)

var channelNameRule = regexp.MustCompile(`^[a-z0-9]+(-[a-z0-9]+)*$`)

func TestChannelName(t *testing.T) {
	tests := []struct {
		id    incident.ID
		title string
		want  string
	}{
		{42, "API 5xx", "inc-42-api-5xx"},
		{42, "  API -- 5xx!!  ", "inc-42-api-5xx"},
		{7, "Checkout: p99 > 2s (eu-west-1)", "inc-7-checkout-p99-2s-eu-west-1"},
		{3, "", "inc-3"},
		{3, "!!!", "inc-3"},
		{5, "Ünïcödé façade", "inc-5-n-c-d-fa-ade"},
		{6, "日本語", "inc-6"},
		{8, "<!channel> alert", "inc-8-channel-alert"},
		{9, strings.Repeat("word ", 40), "inc-9-" + strings.TrimSuffix(strings.Repeat("word-", 14), "-")},
	}
	for _, tt := range tests {
		got := channelName(tt.id, tt.title)
		if got != tt.want {
			t.Errorf("ChannelName(%d, %q) = %q, want %q", tt.id, tt.title, got, tt.want)
		}
		checkChannelName(t, got)
	}
}

func TestChannelNameN(t *testing.T) {
	long := channelName(12345, strings.Repeat("abcdefghij", 10))
	tests := []struct {
		base string
		n    int
		want string
	}{
		{"inc-42-api-5xx", 0, "inc-42-api-5xx"},
		{"inc-42-api-5xx", 1, "inc-42-api-5xx"},
		{"inc-42-api-5xx", 2, "inc-42-api-5xx-2"},
		{"inc-42-api-5xx", 13, "inc-42-api-5xx-13"},
	}
	for _, tt := range tests {
		if got := channelNameN(tt.base, tt.n); got != tt.want {
			t.Errorf("ChannelNameN(%q, %d) = %q, want %q", tt.base, tt.n, got, tt.want)
		}
	}
	for _, n := range []int{2, 99, 1000000} {
		got := channelNameN(long, n)
		checkChannelName(t, got)
		if !strings.HasPrefix(got, "inc-12345-abcdefghij") {
			t.Errorf("ChannelNameN(long, %d) = %q lost the prefix", n, got)
		}
	}
}

func checkChannelName(t *testing.T, name string) {
	t.Helper()
	if len(name) > 80 || !channelNameRule.MatchString(name) {
		t.Errorf("channel name %q breaks the rules (len %d)", name, len(name))
	}
}

func FuzzChannelName(f *testing.F) {
	f.Add(uint64(42), "API 5xx")
	f.Fuzz(func(t *testing.T, id uint64, title string) {
		if id == 0 {
			return
		}
		name := channelName(incident.ID(id), title)
		checkChannelName(t, name)
		checkChannelName(t, channelNameN(name, 7))
	})
}

package bot

import (
	"strconv"
	"strings"

	"github.com/tocsin-dev/tocsin/incident"
)

// maxChannelName is Slack's limit on a channel name's length.
const maxChannelName = 80

// channelName is the incident channel's name: "inc-42-api-5xx" — lower
// case, a-z, 0-9 and single hyphens, at most 80 characters, never empty.
// Characters outside a-z0-9 (accents and other scripts included) separate
// words.
func channelName(id incident.ID, title string) string {
	prefix := strings.ToLower(id.String())
	slug := slugify(title)
	if slug == "" {
		return prefix
	}
	return cutAtHyphen(prefix+"-"+slug, maxChannelName)
}

// channelNameN is the n-th candidate for a channel whose base name is taken:
// base itself for n <= 1, then base-2, base-3, ..., shortened so that the
// suffix always fits in 80 characters.
func channelNameN(base string, n int) string {
	if n <= 1 {
		return base
	}
	suffix := "-" + strconv.Itoa(n)
	return cutAtHyphen(base, maxChannelName-len(suffix)) + suffix
}

// slugify lower-cases s and keeps runs of a-z0-9 joined by single hyphens.
func slugify(s string) string {
	var b strings.Builder
	hyphen := false
	for _, r := range strings.ToLower(s) {
		if (r >= 'a' && r <= 'z') || (r >= '0' && r <= '9') {
			if hyphen && b.Len() > 0 {
				b.WriteByte('-')
			}
			b.WriteRune(r)
			hyphen = false
			continue
		}
		hyphen = true
	}
	return b.String()
}

// cutAtHyphen shortens an ASCII name to at most n bytes, preferring to cut
// at a word boundary, and never leaves a trailing hyphen.
func cutAtHyphen(s string, n int) string {
	if len(s) <= n {
		return s
	}
	s = s[:n]
	if i := strings.LastIndexByte(s, '-'); i > n/2 {
		s = s[:i]
	}
	return strings.TrimRight(s, "-")
}

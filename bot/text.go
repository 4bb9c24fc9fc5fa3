package bot

import (
	"net/url"
	"regexp"
	"strconv"
	"strings"
	"time"
	"unicode/utf8"
)

// escaper turns the three characters Slack treats as markup into entities.
var escaper = strings.NewReplacer("&", "&amp;", "<", "&lt;", ">", "&gt;")

// unescaper undoes the escaping Slack applies to the text it sends us.
var unescaper = strings.NewReplacer("&lt;", "<", "&gt;", ">", "&amp;", "&")

// Escape makes a user- or alarm-supplied string safe inside mrkdwn: '&', '<'
// and '>' become entities, so "<!channel>", "<!here>" or "<@U123>" in an
// alarm description show as text and never notify anyone.
func Escape(s string) string { return escaper.Replace(s) }

// plainText turns text as Slack sends it (entities and <...> markup) into
// plain text: <@U1|bob> becomes @bob, <#C1|ops> #ops, <!here> @here,
// <https://x|label> "label (https://x)", and &lt; &gt; &amp; their
// characters. What tocsin stores is plain text; it is escaped again on output.
func plainText(s string) string {
	var b strings.Builder
	for {
		i := strings.IndexByte(s, '<')
		if i < 0 {
			b.WriteString(unescaper.Replace(s))
			break
		}
		j := strings.IndexByte(s[i:], '>')
		if j < 0 {
			b.WriteString(unescaper.Replace(s))
			break
		}
		b.WriteString(unescaper.Replace(s[:i]))
		b.WriteString(unescaper.Replace(markupText(s[i+1 : i+j])))
		s = s[i+j+1:]
	}
	return strings.ToValidUTF8(b.String(), "\uFFFD")
}

// markupText renders the inside of one <...> segment as plain text.
func markupText(m string) string {
	target, label, hasLabel := strings.Cut(m, "|")
	switch {
	case strings.HasPrefix(target, "@"):
		if hasLabel {
			return "@" + strings.TrimPrefix(label, "@")
		}
		return target
	case strings.HasPrefix(target, "#"):
		if hasLabel {
			return "#" + label
		}
		return target
	case strings.HasPrefix(target, "!subteam^"), strings.HasPrefix(target, "!date^"):
		if hasLabel {
			return label
		}
		return "@" + strings.TrimPrefix(target, "!")
	case strings.HasPrefix(target, "!"):
		return "@" + strings.TrimPrefix(target, "!")
	case hasLabel && label != target:
		return label + " (" + target + ")"
	}
	return target
}

// truncate shortens s to at most n runes, ending with "…" when cut.
func truncate(s string, n int) string {
	if utf8.RuneCountInString(s) <= n {
		return s
	}
	r := []rune(s)
	return string(r[:n-1]) + "…"
}

// mention renders a verified Slack id as a mention, and anything else as
// escaped text, so a stored value can never inject markup.
func mention(id string) string {
	switch {
	case id == "":
		return "—"
	case userIDPattern.MatchString(id):
		return "<@" + id + ">"
	case groupIDPattern.MatchString(id):
		return "<!subteam^" + id + ">"
	}
	return Escape(id)
}

// SafeMrkdwn turns text tocsin's engine wrote into Slack mrkdwn. The
// engine names people and groups in its own notation, <person:U123> and
// <group:S123> (dispatch decides what to say, bot how Slack shows it), and
// these become Slack mentions (<@U123>, <!subteam^S123>); an instant,
// <time:UNIX>, becomes Slack's date formatting, which each reader sees in
// their own time zone; <link:URL>, a page of tocsin's dashboard, becomes a
// link labelled by the page (dashboardLink). Mentions Slack
// itself wrote (<@U123>, <!subteam^S123>, <#C123>) pass through. Every
// other '<' and '>' is escaped, so that <!channel>, <!here>, <!everyone>
// and disguised links in text that quotes people or alarms never take
// effect. Entities are left as they are.
func SafeMrkdwn(s string) string {
	var b strings.Builder
	for {
		i := strings.IndexByte(s, '<')
		if i < 0 {
			b.WriteString(strings.ReplaceAll(s, ">", "&gt;"))
			return b.String()
		}
		b.WriteString(strings.ReplaceAll(s[:i], ">", "&gt;"))
		j := strings.IndexAny(s[i+1:], "<>")
		if j >= 0 && s[i+1+j] == '>' {
			if m, ok := safeMarkup(s[i+1 : i+1+j]); ok {
				b.WriteString(m)
				s = s[i+j+2:]
				continue
			}
		}
		b.WriteString("&lt;")
		s = s[i+1:]
	}
}

// safeMarkup renders the inside of <...> when it names one user, one user
// group or one channel, in the engine's notation or Slack's.
func safeMarkup(m string) (string, bool) {
	switch {
	case strings.HasPrefix(m, "person:") && userIDPattern.MatchString(m[len("person:"):]):
		return "<@" + m[len("person:"):] + ">", true
	case strings.HasPrefix(m, "group:") && groupIDPattern.MatchString(m[len("group:"):]):
		return "<!subteam^" + m[len("group:"):] + ">", true
	case strings.HasPrefix(m, "time:"):
		return slackDate(m[len("time:"):])
	case strings.HasPrefix(m, "!date^"): // only exactly as slackDate writes it
		unix, _, _ := strings.Cut(m[len("!date^"):], "^")
		d, ok := slackDate(unix)
		return d, ok && d == "<"+m+">"
	case strings.HasPrefix(m, "link:"):
		return dashboardLink(m[len("link:"):])
	case strings.HasPrefix(m, "https://") || strings.HasPrefix(m, "http://"): // only exactly as dashboardLink writes it
		u, _, _ := strings.Cut(m, "|")
		l, ok := dashboardLink(u)
		return l, ok && l == "<"+m+">"
	case strings.HasPrefix(m, "@") && userIDPattern.MatchString(m[1:]),
		strings.HasPrefix(m, "!subteam^") && groupIDPattern.MatchString(m[len("!subteam^"):]),
		strings.HasPrefix(m, "#") && channelIDPattern.MatchString(m[1:]):
		return "<" + m + ">", true
	}
	return "", false
}

// incidentPath is the path of an incident's page on the dashboard.
var incidentPath = regexp.MustCompile(`/incidents/([1-9][0-9]{0,18})$`)

// dashboardLink renders tocsin's <link:URL> notation as a Slack link to a
// page of tocsin's dashboard, labelled by what that page shows: INC-42 for
// /incidents/42, "the metrics view" for /metrics-view, "the incident list"
// for the list. The label comes from the URL, so such a link can never
// claim to go somewhere it does not; any other URL is refused.
func dashboardLink(u string) (string, bool) {
	p, err := url.Parse(u)
	if err != nil || (p.Scheme != "https" && p.Scheme != "http") || p.Host == "" || p.User != nil || p.Fragment != "" ||
		strings.ContainsAny(u, " <>|\"\\") {
		return "", false
	}
	label := ""
	switch path := strings.TrimSuffix(p.Path, "/"); {
	case incidentPath.MatchString(path) && p.RawQuery == "":
		label = "INC-" + incidentPath.FindStringSubmatch(path)[1]
	case strings.HasSuffix(path, "/metrics-view"):
		label = "the metrics view"
	case path == "":
		label = "the incident list"
	default:
		return "", false
	}
	return "<" + u + "|" + label + ">", true
}

// slackDate renders Unix seconds with Slack's date formatting: each reader
// sees the date and time in their own time zone; clients that cannot
// format it show the fallback, in UTC.
func slackDate(unix string) (string, bool) {
	if unix == "" || len(unix) > 12 || strings.Trim(unix, "0123456789") != "" {
		return "", false
	}
	sec, err := strconv.ParseInt(unix, 10, 64)
	if err != nil {
		return "", false
	}
	fallback := time.Unix(sec, 0).UTC().Format("Mon 2 Jan 2006 15:04 UTC")
	return "<!date^" + unix + "^{date_short_pretty} {time}|" + fallback + ">", true
}

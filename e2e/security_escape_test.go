package e2e

import (
	"encoding/json"
	"net/url"
	"strings"
	"testing"
	"time"
)

// TestSecurity_DashboardEscaping: alarm names, descriptions, services,
// notes, follow-ups and status updates that carry HTML arrive through
// signed SNS and signed slash commands; every dashboard page shows them as
// text, and the review draft escapes them too. (web's dashboard_test.go
// TestDashboard_Escaping checks the templates with a fake source.)
func TestSecurity_DashboardEscaping(t *testing.T) {
	s := Start(t, securityOptions())
	ch := openIncident(t, s, "m-xss", `api-5xx<script>alert(1)</script>`, `"><img src=x onerror=alert(2)>`, `svc"><svg onload=alert(3)>`)
	for i, text := range []string{
		`note &lt;script&gt;alert(4)&lt;/script&gt; "&gt;&lt;img src=x onerror=alert(5)&gt;`, // as Slack escapes typed text
		`note <script>alert(6)</script>`,
		`followup &lt;iframe src=javascript:alert(7)&gt;&lt;/iframe&gt;`,
		`status &lt;img src=x onerror=alert(8)&gt;`,
	} {
		if code, body := s.SlashAnswer(secRequester, ch, text, "xss"); code != 200 {
			t.Fatalf("command %d: %d %s", i, code, body)
		}
	}
	s.WaitFor("the four commands", func() bool { return len(s.Replies("xss")) >= 4 })
	cookie := secSession(t, s)
	addr := strings.TrimPrefix(s.URL, "http://")
	raw := []string{"<script", "<img", "<svg onload", "<iframe", `href="javascript`, `src="javascript`}
	ours := []string{`<svg class="chart"`, `<img src="/incidents/1/graph.png" alt="`} // the dashboard's own chart and alarm graph
	for _, page := range []string{"/", "/incidents/INC-1", "/metrics-view", "/metrics-view?service=" + url.QueryEscape(`"><script>alert(9)</script>`),
		"/incidents/" + url.PathEscape(`<script>alert(10)</script>`), "/no-such-page<script>alert(11)</script>"} {
		code, _, body := rawGet(t, addr, page, cookie)
		for _, r := range raw {
			if i := unescapedAt(body, r, ours); i >= 0 {
				t.Errorf("GET %s (%d): unescaped %q at …%s…", page, code, r, body[max(0, i-40):min(len(body), i+60)])
			}
		}
	}
	_, _, inc := rawGet(t, addr, "/incidents/INC-1", cookie)
	for _, want := range []string{"&lt;script&gt;alert(1)&lt;/script&gt;", "&lt;img src=x onerror=alert(5)&gt;", "&lt;iframe src=javascript:alert(7)&gt;"} {
		if !strings.Contains(inc, want) {
			t.Errorf("the incident page does not show %q as text", want)
		}
	}
	_, _, review := rawGet(t, addr, "/api/incidents/INC-1/review.md", cookie)
	for _, r := range raw[:4] {
		if strings.Contains(strings.ToLower(review), r) {
			t.Errorf("review.md carries raw HTML %q", r)
		}
	}
}

// unescapedAt is where body holds the markup r (any case) other than as
// one of ours, or -1.
func unescapedAt(body, r string, ours []string) int {
	lower := strings.ToLower(body)
	for from := 0; ; {
		i := strings.Index(lower[from:], r)
		if i < 0 {
			return -1
		}
		i += from
		own := false
		for _, o := range ours {
			own = own || strings.HasPrefix(body[i:], o)
		}
		if !own {
			return i
		}
		from = i + len(r)
	}
}

// liveMarkup are the Slack mrkdwn sequences that notify people or disguise
// a link; none may appear in what tocsin posts from alarm or user text.
var liveMarkup = []string{"<!channel>", "<!here>", "<!everyone>", "<@" + secBystander + ">", "<!subteam^S0ALL>", "<https://evil"}

// TestSecurity_SlackMentionInjection: an alarm whose name and description
// carry <!channel>, <!here>, a user mention, a group mention and a
// disguised link arrives through signed SNS (its name also matches a
// pre-approved runbook's auto_run_on glob, so the auto-run notice quotes
// it); people type the same markup into a status update (broadcast too), a
// declared title and a resolve summary. Nothing tocsin posted — channel
// messages, their blocks, topics, ephemeral replies — holds live markup. (bot's blocks_test.go
// TestBlocks_Escaping and TestSafeMrkdwn check the renderers.)
func TestSecurity_SlackMentionInjection(t *testing.T) {
	s := Start(t, securityOptions())
	name := "api-<!here><@" + secBystander + "><!subteam^S0ALL>-cpu-high"
	desc := "<!channel> <!here> <@" + secBystander + "> <https://evil.example|click>"
	ch := openIncident(t, s, "m-mention", name, desc, "api")
	// People's text: real markup, and markup typed as text (which Slack
	// sends escaped and tocsin stores unescaped).
	typed := "&lt;!subteam^S0ALL&gt; &lt;@" + secBystander + "&gt; &lt;https://evil.example|click&gt;"
	for i, text := range []string{"status <!channel> <!everyone> rollback", "status " + typed + " --broadcast",
		"declare " + typed + " sev2", "resolve " + typed} {
		if code, _ := s.SlashAnswer(secRequester, ch, text, "mention"); code != 200 {
			t.Fatalf("%q refused", text)
		}
		if strings.HasPrefix(text, "resolve") { // posted in the channel, not repeated privately
			s.WaitFor("the resolution", func() bool { return s.ChannelSays(ch, "resolved") })
			continue
		}
		s.WaitFor("the reply", func() bool { return len(s.Replies("mention")) > i })
	}
	s.WaitFor("the auto-run notice and the status update", func() bool {
		n := 0
		for _, m := range s.Slack.Messages(ch) {
			if strings.Contains(m.Text, "auto") || strings.Contains(m.Text, "matched") || strings.Contains(m.Text, "Status update") {
				n++
			}
		}
		return n >= 3
	})
	time.Sleep(time.Second) // let the header updates, the declared incident and the resolution land
	var texts []string
	for _, c := range s.Slack.Channels() {
		texts = append(texts, c.Topic, c.Purpose)
		for _, m := range s.Slack.Messages(c.ID) {
			texts = append(texts, m.Text)
			texts = append(texts, mrkdwnTexts(t, m.Blocks)...)
		}
	}
	for _, e := range s.Slack.Ephemerals() {
		texts = append(texts, e.Text)
		texts = append(texts, mrkdwnTexts(t, e.Blocks)...)
	}
	for _, p := range s.Slack.ResponseURLPosts() {
		texts = append(texts, p.Text)
		texts = append(texts, mrkdwnTexts(t, p.Body)...)
	}
	shown := false
	for _, text := range texts {
		for _, bad := range liveMarkup {
			if strings.Contains(text, bad) {
				t.Errorf("live %s in a Slack text: %q", bad, text)
			}
		}
		shown = shown || strings.Contains(text, "&lt;!channel&gt;")
	}
	if !shown {
		t.Errorf("the description never reached Slack escaped (&lt;!channel&gt;); texts: %q", texts)
	}
	// The stored title keeps what the alarm said; only the output is escaped.
	if inc := s.Incident(1).Incident; !strings.Contains(inc.Title, "<!channel>") {
		t.Errorf("title %q: the stored text should be the alarm's own", inc.Title)
	}
}

// mrkdwnTexts returns the text of every mrkdwn object in blocks JSON (or a
// message body holding "text" and "blocks"). plain_text objects are not
// parsed by Slack, so they are left out.
func mrkdwnTexts(t *testing.T, raw json.RawMessage) []string {
	if len(raw) == 0 {
		return nil
	}
	var v any
	if err := json.Unmarshal(raw, &v); err != nil {
		t.Errorf("blocks are not JSON: %v", err)
		return nil
	}
	var out []string
	var walk func(any)
	walk = func(v any) {
		switch x := v.(type) {
		case map[string]any:
			if x["type"] == "mrkdwn" {
				if s, ok := x["text"].(string); ok {
					out = append(out, s)
				}
			}
			if s, ok := x["text"].(string); ok && x["type"] == nil {
				out = append(out, s) // a message body's top-level text
			}
			for _, c := range x {
				walk(c)
			}
		case []any:
			for _, c := range x {
				walk(c)
			}
		}
	}
	walk(v)
	return out
}

package sim

import (
	"encoding/json"
	"html/template"
	"io"
	"net/http"
	"strconv"
	"strings"
	"time"
)

// slackViewTemplate shows the workspace as Slack would; html/template
// escapes everything but the rendered Block Kit, which slack_render.go
// escapes itself.
var slackViewTemplate = template.Must(template.New("slack").Parse(`<!DOCTYPE html>
<html><head><meta charset="utf-8"><meta http-equiv="refresh" content="2">
<meta name="viewport" content="width=device-width, initial-scale=1">
<title>tocsin · simulated Slack</title>
<style>
body{font-family:-apple-system,"Segoe UI",Helvetica,Arial,sans-serif;margin:1em 2em;color:#1d1c1d;font-size:15px;line-height:1.45}
section{border:1px solid #ddd;border-radius:8px;margin:1em 0;padding:.5em 1em;max-width:60em}
.meta{color:#616061;font-size:.85em}.msg{margin:.8em 0}.reply{margin-left:2em;border-left:3px solid #ddd;padding-left:.6em}
.deleted{text-decoration:line-through;color:#999}
.header{font-size:1.2em;font-weight:700;margin:.3em 0}
.section{display:flex;gap:1em;margin:.3em 0}.section .body{flex:1}
.fields{display:grid;grid-template-columns:1fr 1fr;gap:.4em 1.5em;margin-top:.3em}
.context{color:#616061;font-size:.8em;margin:.3em 0}
.actions{margin:.4em 0;display:flex;flex-wrap:wrap;gap:.4em}
.button{display:inline-block;border:1px solid #bbb;border-radius:4px;padding:.15em .8em;font-weight:600;font-size:.9em;background:#fff}
.button.primary{background:#007a5a;border-color:#007a5a;color:#fff}.button.danger{background:#e01e5a;border-color:#e01e5a;color:#fff}
.checkbox{display:block}
.mention{background:#e8f5fa;color:#1264a3;border-radius:3px;padding:0 .15em}
code{background:#f6f6f6;border:1px solid #ddd;border-radius:3px;padding:0 .2em;color:#e01e5a;font-size:.9em}
pre{background:#f6f6f6;border:1px solid #ddd;border-radius:4px;padding:.5em;white-space:pre-wrap;margin:.3em 0}
hr{border:none;border-top:1px solid #ddd}img{max-width:100%}time{border-bottom:1px dotted #999}
</style></head><body>
<h1>Simulated Slack: {{.Team}}</h1>
<p class="meta">What tocsin posted, as Slack shows it. Times are in UTC here; Slack shows each reader their own time zone.</p>
{{if not .Channels}}<p>No channels yet.</p>{{end}}
{{range .Channels}}<section>
<h2>#{{.Name}}{{if .Private}} 🔒{{end}}{{if .Archived}} (archived){{end}}</h2>
<p class="meta">{{.ID}} · {{len .Members}} members{{if .Topic}} · topic: {{.TopicHTML}}{{end}}{{if .Purpose}} · purpose: {{.Purpose}}{{end}}</p>
{{range .Bookmarks}}<p class="meta">🔖 <a href="{{.Link}}">{{.Title}}</a></p>{{end}}
{{range .Messages}}<div class="msg{{if .Reply}} reply{{end}}{{if .Deleted}} deleted{{end}}">
<span class="meta"><b>{{.User}}</b> {{.Time}}{{if .Pinned}} · 📌 pinned{{end}}{{if .Edited}} · (edited){{end}}</span>
{{.Body}}
{{range .Files}}<div class="meta">📎 {{.}}</div>{{end}}
{{if .Reactions}}<div class="meta">{{.Reactions}}</div>{{end}}
</div>{{end}}
</section>{{end}}
</body></html>
`))

type slackViewChannel struct {
	SlackChannel
	TopicHTML template.HTML
	Messages  []slackViewMessage
}

type slackViewMessage struct {
	Time, User, Reactions          string
	Body                           template.HTML
	Files                          []string
	Reply, Pinned, Edited, Deleted bool
}

// ViewHandler renders the channels and their messages as HTML, as Slack
// would show them, newest last, refreshing every 2 seconds. The server
// also mounts it at /_sim/slack/.
func (s *Slack) ViewHandler() http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, _ *http.Request) {
		w.Header().Set("Content-Type", "text/html; charset=utf-8")
		_ = s.renderView(w)
	})
}

// renderView writes the view's page.
func (s *Slack) renderView(w io.Writer) error {
	data := struct {
		Team     string
		Channels []slackViewChannel
	}{Team: SlackTeamName, Channels: s.slackViewData()}
	return slackViewTemplate.Execute(w, data)
}

func (s *Slack) slackViewData() []slackViewChannel {
	s.mu.Lock()
	defer s.mu.Unlock()
	r := slackRenderer{users: s.ws.users, channels: map[string]string{}, now: s.slackNow()}
	for _, c := range s.ws.channels {
		r.channels[c.ID] = c.Name
	}
	out := make([]slackViewChannel, 0, len(s.ws.channels))
	for _, c := range s.ws.channels {
		vc := slackViewChannel{SlackChannel: c.snapshot(), TopicHTML: template.HTML(r.mrkdwn(c.Topic))}
		for _, m := range c.messages {
			vc.Messages = append(vc.Messages, s.slackViewMessage(r, m))
		}
		out = append(out, vc)
	}
	return out
}

func (s *Slack) slackViewMessage(r slackRenderer, m *SlackMessage) slackViewMessage {
	user := m.User
	if u, ok := s.ws.users[m.User]; ok {
		user = slackOr(u.RealName, u.Name)
	}
	v := slackViewMessage{
		Time: slackTSTime(m.TS).UTC().Format("15:04:05"), User: user, Body: r.message(m.Text, m.Blocks),
		Reactions: strings.Join(m.Reactions, " "),
		Reply:     m.ThreadTS != "" && m.ThreadTS != m.TS, Pinned: m.Pinned, Edited: m.Edited > 0, Deleted: m.Deleted,
	}
	for _, id := range m.Files {
		if up, ok := s.ws.uploads[id]; ok {
			v.Files = append(v.Files, up.file.Name)
		}
	}
	return v
}

// slackTSTime reads the time back out of a message ts.
func slackTSTime(ts string) time.Time {
	secs, frac, _ := strings.Cut(ts, ".")
	sec, _ := strconv.ParseInt(secs, 10, 64)
	us, _ := strconv.ParseInt(frac, 10, 64)
	return time.Unix(sec, us*1000)
}

// slackBlock holds the parts of a Block Kit block that carry readable text.
type slackBlock struct {
	Type      string            `json:"type"`
	Text      json.RawMessage   `json:"text"`
	Fields    []json.RawMessage `json:"fields"`
	Elements  []slackBlock      `json:"elements"`
	Accessory *slackBlock       `json:"accessory"`
	AltText   string            `json:"alt_text"`
}

// SlackBlocksText renders Block Kit blocks as plain lines: header, section and
// context text, section fields, button labels in brackets and images by alt text.
// It returns nil for blocks it cannot decode.
func SlackBlocksText(blocks json.RawMessage) []string {
	var bs []slackBlock
	if len(blocks) == 0 || json.Unmarshal(blocks, &bs) != nil {
		return nil
	}
	var lines []string
	for _, b := range bs {
		if line := b.plain(); line != "" {
			lines = append(lines, line)
		}
	}
	return lines
}

func (b slackBlock) plain() string {
	var parts []string
	add := func(p string) {
		if p != "" {
			parts = append(parts, p)
		}
	}
	switch b.Type {
	case "button":
		return "[" + slackTextOf(b.Text) + "]"
	case "image":
		return "[image: " + b.AltText + "]"
	case "divider":
		return "———"
	}
	add(slackTextOf(b.Text))
	for _, f := range b.Fields {
		add(slackTextOf(f))
	}
	for _, e := range b.Elements {
		add(e.plain())
	}
	if b.Accessory != nil {
		add(b.Accessory.plain())
	}
	return strings.Join(parts, " ")
}

// slackTextOf reads a text that is either a string or a text object {"text": ...}.
func slackTextOf(raw json.RawMessage) string {
	var str string
	if json.Unmarshal(raw, &str) == nil {
		return str
	}
	var obj struct {
		Text string `json:"text"`
	}
	_ = json.Unmarshal(raw, &obj)
	return obj.Text
}

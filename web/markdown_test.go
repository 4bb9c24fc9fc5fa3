package web

import (
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/tocsin-dev/tocsin/golden"
)

// TestMarkdownHTML_Golden renders a review with everything reviews hold,
// and what people might type, hostile or not.
func TestMarkdownHTML_Golden(t *testing.T) {
	md, err := os.ReadFile(filepath.Join("testdata", "review.md"))
	if err != nil {
		t.Fatal(err)
	}
	got := string(markdownHTML(string(md)))
	golden.Check(t, filepath.Join("testdata", "review_html.golden"), got)
	for _, bad := range []string{"<!--", `\#`, `\|`, `\_`, "<script", `href="javascript`, `src="https://evil`, "<b>"} {
		if strings.Contains(got, bad) {
			t.Errorf("the HTML contains %q", bad)
		}
	}
}

func TestMarkdownHTML_Inline(t *testing.T) {
	for in, want := range map[string]string{
		`a \* b`:                   "<p>a * b</p>\n",
		"&lt;@U1&gt; &amp;amp;":    "<p>&lt;@U1&gt; &amp;amp;</p>\n",
		"**strong** and _em_":      "<p><strong>strong</strong> and <em>em</em></p>\n",
		"a_b_c stays":              "<p>a_b_c stays</p>\n",
		"[x](//evil.example/p)":    "<p>[x](//evil.example/p)</p>\n",
		"[x](/incidents/2)":        `<p><a href="/incidents/2">x</a></p>` + "\n",
		"![i](/incidents/2/g.png)": `<p><img src="/incidents/2/g.png" alt="i"></p>` + "\n",
		"unclosed *star and `tick": "<p>unclosed *star and `tick</p>\n",
		`"quotes" & <tags>`:        "<p>&#34;quotes&#34; &amp; &lt;tags&gt;</p>\n",
	} {
		if got := string(markdownHTML(in)); got != want {
			t.Errorf("markdownHTML(%q) = %q, want %q", in, got, want)
		}
	}
}

// BenchmarkMarkdownHTML_Unmatched renders a saved review of the largest
// size accepted, full of marks that never close: bounded look-ahead keeps
// it linear.
func BenchmarkMarkdownHTML_Unmatched(b *testing.B) {
	md := strings.Repeat("[*_`", maxReview/4)
	for b.Loop() {
		markdownHTML(md)
	}
}

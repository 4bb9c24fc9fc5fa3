package demo

import (
	"context"
	"path/filepath"
	"testing"
	"time"

	"github.com/chromedp/chromedp"

	"github.com/tocsin-dev/tocsin/browsertest"
	"github.com/tocsin-dev/tocsin/golden"
)

// screenshotDir is where the README's screenshots are kept.
var screenshotDir = filepath.Join("..", "docs", "screenshots")

// shotPages are the pages the README shows: where to go, and what must be
// visible once the page rendered.
var shotPages = []struct{ name, path, ready string }{
	{"list", "/", "table#history"},
	{"incident", "/incidents/1", "ol#timeline"},
	{"metrics", "/metrics-view", "#charts svg"},
}

// channelHeading finds INC-1's channel in the Slack stand-in's view; its
// parent is the channel, whatever markup the view uses around it.
const channelHeading = `//*[self::h1 or self::h2 or self::h3][contains(., "inc-1-search-cpu-high")]`

// takeScreenshots looks at the demo's dashboard and its Slack stand-in in
// Chromium once the scenario has played: each page must render, and none
// may scroll sideways 390 px wide, as on a phone. Run with -update, it
// rewrites docs/screenshots/*.png; without, it writes nothing (CI keeps the
// tree clean). Without Chromium (outside CI) it only says so.
func takeScreenshots(t *testing.T, base, token string) {
	if browsertest.Path(t) == "" {
		t.Skip("chromium not installed: no screenshots")
	}
	ctx, cancel := context.WithTimeout(context.Background(), time.Minute)
	defer cancel()
	tab := browsertest.New(ctx, t, 1280, 900)
	browsertest.SignIn(tab, t, base, token)
	keep := func(name string, png []byte) {
		if golden.Updating() {
			browsertest.Save(t, screenshotDir, name+".png", png)
		}
	}
	for _, p := range shotPages {
		browsertest.Step(t, "open "+p.path, chromedp.Do(tab, chromedp.Navigate(base+p.path), chromedp.WaitVisible(chromedp.CSS(p.ready))))
		keep(p.name, browsertest.Screenshot(tab, t, 1280))
	}
	browsertest.Step(t, "open the Slack stand-in", chromedp.Do(tab, chromedp.Navigate(base+"/slack-view/"),
		chromedp.WaitVisible(chromedp.Search(channelHeading))))
	keep("slack-channel", browsertest.ElementShot(tab, t, channelHeading+"/.."))

	browsertest.Step(t, "a phone's screen", chromedp.Do(tab,
		chromedp.EmulateViewport(390, 844, chromedp.EmulateMobile, chromedp.EmulateScale(2))))
	for _, p := range shotPages {
		browsertest.Step(t, "open "+p.path+" on a phone", chromedp.Do(tab, chromedp.Navigate(base+p.path), chromedp.WaitVisible(chromedp.CSS(p.ready))))
		browsertest.NoSideScroll(tab, t, p.path+" on a phone")
		if p.name != "metrics" { // the first screen: a whole incident is many screens long
			keep(p.name+"-phone", browsertest.ViewShot(tab, t, 780))
		}
	}
}

// Package browsertest drives a headless Chromium for tocsin's tests: the
// dashboard's browser tests (web) and the screenshots the demo's test
// keeps in docs/screenshots (demo). Only tests import it. It finds
// Debian's Chromium (CHROME_PATH overrides /usr/bin/chromium); without one
// a test is skipped on a laptop but fails in CI, which must run it.
package browsertest

import (
	"bytes"
	"context"
	"fmt"
	"image"
	"image/png"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/chromedp/chromedp"
)

// Path is the Chromium to run, or "" when there is none outside CI.
func Path(tb testing.TB) string {
	tb.Helper()
	path := os.Getenv("CHROME_PATH")
	if path == "" {
		path = "/usr/bin/chromium"
	}
	if _, err := os.Stat(path); err != nil {
		if os.Getenv("CI") != "" {
			tb.Fatalf("chromium not found at %s in CI: %v", path, err)
		}
		return ""
	}
	return path
}

// New starts a headless Chromium bounded by ctx with a window of width ×
// height and returns a tab; the test is skipped without Chromium.
func New(ctx context.Context, tb testing.TB, width, height int) context.Context {
	tb.Helper()
	path := Path(tb)
	if path == "" {
		tb.Skip("chromium not installed; .ci/run installs it (apt-get install chromium)")
	}
	actx, cancelAlloc := chromedp.NewExecAllocator(ctx,
		chromedp.ExecPath(path),
		chromedp.Headless,
		chromedp.NoSandbox,
		chromedp.DisableGPU,
		chromedp.NoFirstRun,
		chromedp.Flag("disable-quic", true),
		chromedp.Flag("disable-background-networking", true),
		chromedp.Flag("disable-component-update", true),
		chromedp.Flag("disable-sync", true),
		chromedp.Flag("disable-dev-shm-usage", true),
		chromedp.Flag("hide-scrollbars", true),
		chromedp.UserDataDir(tb.TempDir()),
		chromedp.WindowSize(width, height),
	)
	tab, cancelTab := chromedp.NewContext(actx)
	// Cleanups run last-in first-out: the tab and browser close before
	// TempDir removes the profile.
	tb.Cleanup(cancelAlloc)
	tb.Cleanup(cancelTab)
	return tab
}

// Step fails the test when a browser step did.
func Step(tb testing.TB, name string, err error) {
	tb.Helper()
	if err != nil {
		tb.Fatalf("%s: %v", name, err)
	}
}

// SignIn visits the dashboard at base, is sent to the login form, and
// signs in with token, waiting for the incident list.
func SignIn(tab context.Context, tb testing.TB, base, token string) {
	tb.Helper()
	Step(tb, "open /", chromedp.Do(tab, chromedp.Navigate(base+"/"), chromedp.WaitVisible(chromedp.CSS("#login"))))
	loc, err := chromedp.Run(tab, chromedp.Location())
	Step(tb, "read location", err)
	if loc != base+"/login" {
		tb.Errorf("an unauthenticated visit ended at %s, want %s/login", loc, base)
	}
	Step(tb, "sign in", chromedp.Do(tab,
		chromedp.SendKeys(chromedp.CSS("#token"), token),
		chromedp.Click(chromedp.CSS("#login button")),
		chromedp.WaitVisible(chromedp.CSS("#search")),
	))
}

// Eval evaluates a JavaScript expression that yields a string.
func Eval(tab context.Context, tb testing.TB, expr string) string {
	tb.Helper()
	v, err := chromedp.Run(tab, chromedp.Evaluate[string](expr))
	Step(tb, "evaluate "+expr, err)
	return v
}

// NoSideScroll fails the test when the page is wider than the window (a
// phone would have to scroll sideways). Tables may scroll inside their own
// box; the page may not.
func NoSideScroll(tab context.Context, tb testing.TB, page string) {
	tb.Helper()
	got := Eval(tab, tb, `document.documentElement.scrollWidth + " " + window.innerWidth`)
	var content, window int
	if _, err := fmt.Sscan(got, &content, &window); err != nil || content > window {
		tb.Errorf("%s is %s px wide in a %d px window: it scrolls sideways", page, strings.Fields(got + " ?")[0], window)
	}
}

// Screenshot takes a full-page PNG and checks that the page rendered: it
// decodes, is width pixels wide (the window at the device's scale), and is
// not one flat colour.
func Screenshot(tab context.Context, tb testing.TB, width int) []byte {
	tb.Helper()
	shot, err := chromedp.Run(tab, chromedp.FullScreenshot(100))
	Step(tb, "take a screenshot", err)
	check(tb, shot, width)
	return shot
}

// flat reports whether every sampled pixel has the same colour.
func flat(img image.Image) bool {
	b := img.Bounds()
	first := img.At(b.Min.X, b.Min.Y)
	for y := b.Min.Y; y < b.Max.Y; y += 7 {
		for x := b.Min.X; x < b.Max.X; x += 7 {
			if img.At(x, y) != first {
				return false
			}
		}
	}
	return true
}

// Save writes a screenshot to dir/name, creating dir.
func Save(tb testing.TB, dir, name string, png []byte) {
	tb.Helper()
	if err := os.MkdirAll(dir, 0o755); err != nil {
		tb.Fatalf("create %s: %v", dir, err)
	}
	out := filepath.Join(dir, name)
	if err := os.WriteFile(out, png, 0o644); err != nil {
		tb.Fatalf("save screenshot: %v", err)
	}
	tb.Logf("screenshot: %s", out)
}

// ViewShot takes a PNG of what the window shows (not the whole page),
// width pixels wide, checking that it rendered.
func ViewShot(tab context.Context, tb testing.TB, width int) []byte {
	tb.Helper()
	shot, err := chromedp.Run(tab, chromedp.CaptureScreenshot())
	Step(tb, "take a screenshot", err)
	check(tb, shot, width)
	return shot
}

// check fails the test unless shot is a PNG width pixels wide (0: any) and
// a page tall that is not one flat colour.
func check(tb testing.TB, shot []byte, width int) {
	tb.Helper()
	img, err := png.Decode(bytes.NewReader(shot))
	if err != nil {
		tb.Fatalf("the screenshot is not a PNG: %v", err)
	}
	if b := img.Bounds(); (width > 0 && b.Dx() != width) || b.Dy() < 100 {
		tb.Errorf("the screenshot is %dx%d, want %d wide and a page tall", b.Dx(), b.Dy(), width)
	}
	if flat(img) {
		tb.Error("the screenshot is one flat colour: the page did not render")
	}
}

// ElementShot takes a PNG of the first element the XPath expression
// selects, checking that it rendered (it decodes and is not one flat
// colour).
func ElementShot(tab context.Context, tb testing.TB, xpath string) []byte {
	tb.Helper()
	shot, err := chromedp.Run(tab, chromedp.Screenshot(chromedp.Search(xpath)))
	Step(tb, "take a screenshot of "+xpath, err)
	check(tb, shot, 0)
	return shot
}

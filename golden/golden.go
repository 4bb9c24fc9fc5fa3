// Package golden compares what a test renders with a file kept in
// testdata, the way the Go project's own golden tests do: `go test
// -update` rewrites the files from what the code produces now, and the
// diff shows in review. Only tests import it; it owns the -update flag of
// every test binary that does.
package golden

import (
	"flag"
	"os"
	"testing"

	"github.com/google/go-cmp/cmp"
)

var update = flag.Bool("update", false, "rewrite the golden files with the current output")

// Check compares got with the file at path, rewriting the file with got
// first when the test runs with -update.
func Check(tb testing.TB, path, got string) {
	tb.Helper()
	if *update {
		if err := os.WriteFile(path, []byte(got), 0o644); err != nil {
			tb.Fatal(err)
		}
	}
	want, err := os.ReadFile(path)
	if err != nil {
		tb.Fatalf("read golden file (run go test -update to create it): %v", err)
	}
	if diff := cmp.Diff(string(want), got); diff != "" {
		tb.Errorf("%s differs (-want +got):\n%s", path, diff)
	}
}

// Updating reports whether the test runs with -update: tests that keep
// other files than goldens (the screenshots in docs/) rewrite them only
// then.
func Updating() bool { return *update }

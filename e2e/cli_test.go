package e2e

import (
	"bytes"
	"context"
	"io"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/tocsin-dev/tocsin/cli"
	"github.com/tocsin-dev/tocsin/store"
)

// TestCLI drives the read commands and backup against a running server.
func TestCLI(t *testing.T) {
	h := Start(t, Options{})
	h.MustPostSNS(h.Notification("cli-1", AlarmMessage("checkout-5xx", "checkout", "ALARM", "OK", time.Now().Add(-time.Minute))))
	getenv := func(k string) string {
		switch k {
		case "TOCSIN_URL":
			return h.URL
		case "TOCSIN_API_TOKEN":
			return APIToken
		}
		return ""
	}
	runCLI := func(args ...string) string {
		t.Helper()
		var out, errb bytes.Buffer
		if err := cli.Run(context.Background(), append([]string{"tocsin"}, args...), getenv, &out, &errb); err != nil {
			t.Fatalf("%v: %v\n%s", args, err, errb.String())
		}
		return out.String()
	}
	for _, c := range []struct {
		args []string
		want string
	}{
		{[]string{"incidents"}, "checkout-5xx"},
		{[]string{"incidents", "--json"}, `"service": "checkout"`},
		{[]string{"incident", "INC-1"}, "opened"},
		{[]string{"review", "INC-1"}, "# Post-incident review: INC-1"},
		{[]string{"metrics", "--since", "7d"}, "MTTD"},
		{[]string{"metrics", "--json"}, "mean_seconds"},
		{[]string{"digest", "--dry-run"}, "checkout-5xx: 1 firing led to no action (fired 1× in 1 incident, 0 acted on)"},
	} {
		if out := runCLI(c.args...); !strings.Contains(out, c.want) {
			t.Errorf("%v printed %q; want it to contain %q", c.args, out, c.want)
		}
	}
	dst := filepath.Join(t.TempDir(), "copy.db")
	runCLI("backup", dst)
	db, err := store.Open(dst, store.Options{})
	if err != nil {
		t.Fatalf("backup does not open: %v", err)
	}
	defer db.Close()
	incs, err := db.Incidents(context.Background(), false)
	if err != nil || len(incs) != 1 || incs[0].Service != "checkout" {
		t.Errorf("backup holds %d incidents (%v)", len(incs), err)
	}
	var errb bytes.Buffer
	if err := cli.Run(context.Background(), []string{"tocsin", "incident", "INC-99"}, getenv, io.Discard, &errb); err == nil || !strings.Contains(err.Error(), "404") {
		t.Errorf("unknown incident: %v", err)
	}
}

package cli

import (
	"bytes"
	"context"
	"os"
	"path/filepath"
	"strings"
	"testing"
)

// TestCheck_ReadsConfigFile: `tocsin check` reads TOCSIN_RUNBOOKS from the
// TOCSIN_CONFIG file as serve does, so a bad runbook named only there is
// reported instead of "ok".
func TestCheck_ReadsConfigFile(t *testing.T) {
	dir := t.TempDir()
	rb := filepath.Join(dir, "runbooks")
	os.Mkdir(rb, 0o700)
	bad, err := os.ReadFile("../runbooks/testdata/check/bad-references.yaml")
	if err != nil {
		t.Fatal(err)
	}
	os.WriteFile(filepath.Join(rb, "bad.yaml"), bad, 0o600)
	conf := filepath.Join(dir, "tocsin.yaml")
	os.WriteFile(conf, []byte("TOCSIN_RUNBOOKS: "+rb+"\n"), 0o600)
	getenv := func(k string) string {
		return map[string]string{"TOCSIN_CONFIG": conf, "TOCSIN_DB": filepath.Join(dir, "tocsin.db")}[k]
	}
	var out bytes.Buffer
	err = Run(context.Background(), []string{"tocsin", "check"}, getenv, &out, &out)
	if err == nil || strings.Contains(out.String(), "ok:") || !strings.Contains(out.String(), "bad.yaml") {
		t.Errorf("check with TOCSIN_RUNBOOKS in the config file: %v\n%s", err, out.String())
	}
	os.WriteFile(conf, []byte("TOCSIN_API_TOKEN:\n"), 0o600)
	out.Reset()
	err = Run(context.Background(), []string{"tocsin", "check"}, getenv, &out, &out)
	if err == nil || !strings.Contains(err.Error(), "TOCSIN_API_TOKEN has no value") {
		t.Errorf("check with a blank secret in the config file: %v", err)
	}
}

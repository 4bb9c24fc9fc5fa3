package e2e

import (
	"os"
	"path/filepath"
	"strings"
	"syscall"
	"testing"
	"time"
)

// TestReload_SIGHUP: new playbooks take effect on SIGHUP without dropping
// incidents; a bad file on reload keeps the old set and says why.
func TestReload_SIGHUP(t *testing.T) {
	f := newSNSFeed(t)
	pbDir := t.TempDir()
	os.WriteFile(filepath.Join(pbDir, "storm.yaml"), []byte(stormPlaybook), 0o600)
	base, logs, _ := startServer(t, env(t, "TOCSIN_SNS_TOPIC_ARNS", testTopic, "TOCSIN_SNS_CERT_DIR", f.certDir, "TOCSIN_PLAYBOOKS", pbDir))
	f.base = base
	f.post(t, f.body(t, "r-1", alarmJSON("cart-5xx", "cart", "ALARM", "OK", time.Now())))
	renamed := strings.Replace(stormPlaybook, `service: "{{dimension:Service}}"`, `service: "shop-{{dimension:Service}}"`, 1)
	os.WriteFile(filepath.Join(pbDir, "storm.yaml"), []byte(renamed), 0o600)
	syscall.Kill(os.Getpid(), syscall.SIGHUP)
	waitFor(t, "the reload", func() bool { return strings.Contains(logs.String(), "reloaded runbooks and playbooks") })
	f.post(t, f.body(t, "r-2", alarmJSON("search-5xx", "search", "ALARM", "OK", time.Now())))
	services := map[string]bool{}
	for _, inc := range apiIncidents(t, base) {
		services[inc.Service] = true
	}
	if !services["cart"] || !services["shop-search"] {
		t.Errorf("services = %v; want the old incident kept and the new playbook applied", services)
	}
	os.WriteFile(filepath.Join(pbDir, "broken.yaml"), []byte("name: broken\nmatch: {nosuchfield: 1}\n"), 0o600)
	syscall.Kill(os.Getpid(), syscall.SIGHUP)
	waitFor(t, "the refused reload", func() bool { return strings.Contains(logs.String(), "reload refused") })
	f.post(t, f.body(t, "r-3", alarmJSON("pay-5xx", "pay", "ALARM", "OK", time.Now())))
	found := false
	for _, inc := range apiIncidents(t, base) {
		found = found || inc.Service == "shop-pay"
	}
	if !found {
		t.Error("after a refused reload the previous playbooks were not kept")
	}
}

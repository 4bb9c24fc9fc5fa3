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
	h := Start(t, Options{})
	pbDir := h.Getenv("TOCSIN_PLAYBOOKS")
	h.PostSNS(h.Notification("r-1", AlarmMessage("cart-5xx", "cart", "ALARM", "OK", time.Now())))
	renamed := strings.Replace(StormPlaybook, `service: "{{dimension:Service}}"`, `service: "shop-{{dimension:Service}}"`, 1)
	os.WriteFile(filepath.Join(pbDir, "storm.yaml"), []byte(renamed), 0o600)
	h.Signal(syscall.SIGHUP)
	h.WaitFor("the reload", func() bool { return strings.Contains(h.Logs.String(), "reloaded runbooks and playbooks") })
	h.PostSNS(h.Notification("r-2", AlarmMessage("search-5xx", "search", "ALARM", "OK", time.Now())))
	services := map[string]bool{}
	for _, inc := range h.Incidents() {
		services[inc.Service] = true
	}
	if !services["cart"] || !services["shop-search"] {
		t.Errorf("services = %v; want the old incident kept and the new playbook applied", services)
	}
	os.WriteFile(filepath.Join(pbDir, "broken.yaml"), []byte("name: broken\nmatch: {nosuchfield: 1}\n"), 0o600)
	h.Signal(syscall.SIGHUP)
	h.WaitFor("the refused reload", func() bool { return strings.Contains(h.Logs.String(), "reload refused") })
	h.PostSNS(h.Notification("r-3", AlarmMessage("pay-5xx", "pay", "ALARM", "OK", time.Now())))
	found := false
	for _, inc := range h.Incidents() {
		found = found || inc.Service == "shop-pay"
	}
	if !found {
		t.Error("after a refused reload the previous playbooks were not kept")
	}
}

// TestOncall_Reload: rotations reload on SIGHUP; a bad file is refused,
// naming the rotation and field, and the previous rotations are kept.
func TestOncall_Reload(t *testing.T) {
	h, oncallCh := startOncall(t, time.Date(2026, 3, 7, 22, 0, 0, 0, time.UTC), false)
	h.WritePlaybook("rotations/platform.yaml", strings.NewReplacer("CHANNEL", oncallCh, "U0BOB", "U0DAVE").Replace(platformRotation))
	h.Signal(syscall.SIGHUP)
	h.WaitFor("the reload", func() bool { return strings.Contains(h.Logs.String(), "reloaded runbooks and playbooks") })
	if got := h.WaitReply(h.Slash("U0BOB", "C0OPS", "oncall")); !strings.Contains(got, "<@U0DAVE>") {
		t.Errorf("after the reload /incident oncall answered %q, want U0DAVE in the rotation", got)
	}
	h.WritePlaybook("rotations/platform.yaml", strings.Replace(platformRotation, "CHANNEL", "ops-oncall", 1))
	h.Signal(syscall.SIGHUP)
	h.WaitFor("the refused reload", func() bool {
		return strings.Contains(h.Logs.String(), `rotation \"platform\": handoff_channel: \"ops-oncall\" is not a Slack channel id`)
	})
	if got := h.WaitReply(h.Slash("U0BOB", "C0OPS", "oncall")); !strings.Contains(got, "<@U0DAVE>") {
		t.Errorf("after a refused reload /incident oncall answered %q, want the previous rotations", got)
	}
}

package app

import (
	"bytes"
	"log/slog"
	"os"
	"path/filepath"
	"strings"
	"testing"
)

const goodToken = "0123456789abcdef0123456789abcdef"

// envWith is a getenv over a fresh store path and the given pairs.
func envWith(t *testing.T, kv ...string) func(string) string {
	m := map[string]string{"TOCSIN_DB": filepath.Join(t.TempDir(), "tocsin.db")}
	for i := 0; i+1 < len(kv); i += 2 {
		m[kv[i]] = kv[i+1]
	}
	return func(k string) string { return m[k] }
}

// TestLoadConfig_FileValues: a key with no value, a null, a list where one
// value is expected, or a map is refused with one line naming the key and
// the file; nothing becomes the secret "<nil>".
func TestLoadConfig_FileValues(t *testing.T) {
	for _, c := range []struct{ name, yaml, want string }{
		{"EmptyToken", "TOCSIN_API_TOKEN:\n", "TOCSIN_API_TOKEN has no value"},
		{"NullSigningSecret", "SLACK_BOT_TOKEN: xoxb-1\nSLACK_SIGNING_SECRET: ~\n", "SLACK_SIGNING_SECRET has no value"},
		{"ExplicitNull", "SLACK_SIGNING_SECRET: null\n", "SLACK_SIGNING_SECRET has no value"},
		{"List", "TOCSIN_API_TOKEN: [a, b]\n", "TOCSIN_API_TOKEN is a list"},
		{"Map", "SLACK_SIGNING_SECRET: {a: b}\n", "SLACK_SIGNING_SECRET is a map"},
		{"NullInList", "TOCSIN_SNS_TOPIC_ARNS: [~]\n", "item 1 is not a single value"},
	} {
		t.Run(c.name, func(t *testing.T) {
			path := filepath.Join(t.TempDir(), "tocsin.yaml")
			os.WriteFile(path, []byte(c.yaml), 0o600)
			_, err := LoadConfig(envWith(t, "TOCSIN_CONFIG", path))
			if err == nil || !strings.Contains(err.Error(), c.want) || !strings.Contains(err.Error(), path) {
				t.Fatalf("LoadConfig = %v, want an error naming %q and the file", err, c.want)
			}
			if strings.Contains(err.Error(), "<nil>") {
				t.Errorf("the error shows <nil>: %v", err)
			}
		})
	}
	path := filepath.Join(t.TempDir(), "tocsin.yaml")
	os.WriteFile(path, []byte("TOCSIN_SNS_TOPIC_ARNS:\n  - arn:aws:sns:us-east-1:123456789012:a\n  - arn:aws:sns:us-east-1:123456789012:b\nTOCSIN_MAX_PENDING: 10\n"), 0o600)
	cfg, err := LoadConfig(envWith(t, "TOCSIN_CONFIG", path))
	if err != nil || len(cfg.SNSTopics) != 2 || cfg.MaxPending != 10 {
		t.Errorf("a list setting and a number: %+v, %v", cfg.SNSTopics, err)
	}
}

// TestLoadConfig_Hardening: placeholders, short API tokens, plain-http Slack
// and PagerDuty URLs to other hosts and unknown SNS signature versions are
// refused, each naming its variable.
func TestLoadConfig_Hardening(t *testing.T) {
	for _, c := range []struct {
		name string
		kv   []string
		want string // "" = accepted
	}{
		{"PlaceholderToken", []string{"TOCSIN_API_TOKEN", "<nil>"}, "TOCSIN_API_TOKEN is the placeholder"},
		{"PlaceholderSigning", []string{"SLACK_BOT_TOKEN", "xoxb-1", "SLACK_SIGNING_SECRET", "<your signing secret>"}, "SLACK_SIGNING_SECRET is the placeholder"},
		{"ShortToken", []string{"TOCSIN_API_TOKEN", "test-token-0123"}, "openssl rand -hex 32"},
		{"LongToken", []string{"TOCSIN_API_TOKEN", goodToken}, ""},
		{"HTTPSlackElsewhere", []string{"SLACK_API_URL", "http://slack.example.com/api/"}, "SLACK_API_URL"},
		{"HTTPSlackLoopback", []string{"SLACK_API_URL", "http://127.0.0.1:9000/api/"}, ""},
		{"HTTPSlackLocalhost", []string{"SLACK_API_URL", "http://localhost/api/"}, ""},
		{"SignatureVersion2", []string{"TOCSIN_SNS_SIGNATURE_VERSION", "2"}, ""},
		{"SignatureVersion3", []string{"TOCSIN_SNS_SIGNATURE_VERSION", "3"}, "TOCSIN_SNS_SIGNATURE_VERSION"},
		{"RetentionTooShort", []string{"TOCSIN_IDEMPOTENCY_RETENTION", "30m"}, "TOCSIN_IDEMPOTENCY_RETENTION"},
		{"HTTPPagerDutyElsewhere", []string{"TOCSIN_PAGERDUTY_EVENTS_URL", "http://events.example.com/v2/enqueue"}, "TOCSIN_PAGERDUTY_EVENTS_URL"},
		{"HTTPPagerDutyLoopback", []string{"TOCSIN_PAGERDUTY_EVENTS_URL", "http://127.0.0.1:9001/v2/enqueue"}, ""},
		{"PagerDutyAPINotURL", []string{"TOCSIN_PAGERDUTY_API_URL", "api.pagerduty.com"}, "TOCSIN_PAGERDUTY_API_URL"},
		{"PlaceholderRoutingKey", []string{"TOCSIN_PAGERDUTY_ROUTING_KEY", "changeme"}, "TOCSIN_PAGERDUTY_ROUTING_KEY is the placeholder"},
		{"PlaceholderWebhookSecret", []string{"TOCSIN_PAGERDUTY_WEBHOOK_SECRET", "<nil>"}, "TOCSIN_PAGERDUTY_WEBHOOK_SECRET is the placeholder"},
	} {
		t.Run(c.name, func(t *testing.T) {
			_, err := LoadConfig(envWith(t, c.kv...))
			switch {
			case c.want == "" && err != nil:
				t.Errorf("refused: %v", err)
			case c.want != "" && (err == nil || !strings.Contains(err.Error(), c.want)):
				t.Errorf("LoadConfig = %v, want an error containing %q", err, c.want)
			}
			if err != nil && strings.Contains(err.Error(), "test-token-0123") {
				t.Errorf("the error shows the token: %v", err)
			}
		})
	}
}

// TestWarnReadable: a store or a config file with secrets that others can
// read is named in a warning at start.
func TestWarnReadable(t *testing.T) {
	dir := t.TempDir()
	db, conf := filepath.Join(dir, "tocsin.db"), filepath.Join(dir, "tocsin.yaml")
	os.WriteFile(db, nil, 0o644)
	os.WriteFile(conf, []byte("TOCSIN_API_TOKEN: "+goodToken+"\n"), 0o640)
	var buf bytes.Buffer
	warnReadable(slog.New(slog.NewTextHandler(&buf, nil)), Config{DB: db, ConfigFile: conf, FileSecrets: true})
	for _, want := range []string{"chmod 600 " + db, "chmod 600 " + conf} {
		if !strings.Contains(buf.String(), want) {
			t.Errorf("no warning %q in %s", want, buf.String())
		}
	}
	if strings.Contains(buf.String(), goodToken) {
		t.Error("the warning shows the token")
	}
	buf.Reset()
	os.Chmod(db, 0o600)
	os.Chmod(conf, 0o600)
	warnReadable(slog.New(slog.NewTextHandler(&buf, nil)), Config{DB: db, ConfigFile: conf, FileSecrets: true})
	if buf.Len() != 0 {
		t.Errorf("warnings for private files: %s", buf.String())
	}
}

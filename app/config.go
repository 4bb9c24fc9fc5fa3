package app

import (
	"errors"
	"fmt"
	"log/slog"
	"net"
	"net/url"
	"strings"
	"time"

	"github.com/tocsin-dev/tocsin/incident"
	"github.com/tocsin-dev/tocsin/store"
)

// Config is every setting tocsin reads, from the environment and an
// optional YAML file (TOCSIN_CONFIG) whose keys are the variable names; the
// environment wins.
type Config struct {
	Addr            string
	DB              string
	APIToken        string
	Runbooks        string
	Playbooks       string
	SNSTopics       []string
	SNSCertDir      string
	SQSQueueURL     string
	SlackBotToken   string
	SlackSigning    string
	SlackAppToken   string
	SlackAPIURL     string
	Announce        string
	DigestChannel   string
	DigestSchedule  string
	Timezone        string
	DefaultSeverity incident.Severity
	Responders      []string
	AutoMitigate    bool
	ArchiveAfter    time.Duration
	Reconcile       time.Duration
	MaxPending      int
	PageWebhook     string
	// PagerDuty: the default routing key, the Events API URL, the V3
	// webhooks' signing secret(s) and the REST API token; PublicURL is
	// where people reach tocsin (links in pages).
	PagerDutyRoutingKey    string
	PagerDutyEventsURL     string
	PagerDutyWebhookSecret string
	PagerDutyAPIToken      string
	PagerDutyAPIURL        string
	PublicURL              string
	// PageSNSTopic is the SNS topic `page: sms` publishes to.
	PageSNSTopic   string
	AutomationRole string
	MetricsNS      string
	PprofAddr      string
	// ConfigFile is TOCSIN_CONFIG, and FileSecrets whether it holds any
	// secret (so that start can warn if others may read it).
	ConfigFile  string
	FileSecrets bool
	// SNSSignatureVersion 2 refuses SignatureVersion 1 (SHA1) messages; 0
	// accepts both.
	SNSSignatureVersion int
	// KeyRetention is how long SNS MessageIds and Slack request keys are
	// remembered, so that a redelivery changes nothing.
	KeyRetention time.Duration
	Standby      int
	StormAfter   int
	LogLevel     slog.Level
}

// settings lists each variable with its default; the order is the
// configuration reference in the README.
var settings = []struct{ name, def string }{
	{"TOCSIN_ADDR", ":8080"}, {"TOCSIN_DB", "tocsin.db"}, {"TOCSIN_API_TOKEN", ""},
	{"TOCSIN_RUNBOOKS", ""}, {"TOCSIN_PLAYBOOKS", ""}, {"TOCSIN_SNS_TOPIC_ARNS", ""},
	{"TOCSIN_SNS_CERT_DIR", ""}, {"TOCSIN_SQS_QUEUE_URL", ""},
	{"SLACK_BOT_TOKEN", ""}, {"SLACK_SIGNING_SECRET", ""}, {"SLACK_APP_TOKEN", ""},
	{"SLACK_API_URL", "https://slack.com/api/"}, {"TOCSIN_ANNOUNCE_CHANNEL", ""},
	{"TOCSIN_DIGEST_CHANNEL", ""}, {"TOCSIN_DIGEST_SCHEDULE", "0 9 * * MON"}, {"TOCSIN_TIMEZONE", "UTC"},
	{"TOCSIN_DEFAULT_SEVERITY", "sev3"}, {"TOCSIN_RESPONDERS", ""}, {"TOCSIN_AUTO_MITIGATE", "false"},
	{"TOCSIN_ARCHIVE_AFTER", "24h"}, {"TOCSIN_RECONCILE_EVERY", "5m"}, {"TOCSIN_MAX_PENDING", "50000"},
	{"TOCSIN_PAGE_WEBHOOK", ""}, {"TOCSIN_PAGERDUTY_ROUTING_KEY", ""},
	{"TOCSIN_PAGERDUTY_EVENTS_URL", "https://events.pagerduty.com/v2/enqueue"}, {"TOCSIN_PAGERDUTY_WEBHOOK_SECRET", ""},
	{"TOCSIN_PAGERDUTY_API_TOKEN", ""}, {"TOCSIN_PAGERDUTY_API_URL", "https://api.pagerduty.com"}, {"TOCSIN_PUBLIC_URL", ""},
	{"TOCSIN_PAGE_SNS_TOPIC_ARN", ""}, {"TOCSIN_AUTOMATION_ROLE", ""}, {"TOCSIN_CLOUDWATCH_NAMESPACE", ""},
	{"TOCSIN_STANDBY_CHANNELS", "0"}, {"TOCSIN_STORM_AFTER", "10"}, {"TOCSIN_PPROF_ADDR", ""}, {"TOCSIN_LOG_LEVEL", "info"},
	{"TOCSIN_SNS_SIGNATURE_VERSION", ""}, {"TOCSIN_IDEMPOTENCY_RETENTION", "168h"},
}

// listSettings may be written as YAML lists in the config file.
var listSettings = map[string]bool{"TOCSIN_SNS_TOPIC_ARNS": true, "TOCSIN_RESPONDERS": true}

// secretSettings hold credentials: never logged, never a placeholder.
var secretSettings = map[string]bool{"TOCSIN_API_TOKEN": true, "SLACK_BOT_TOKEN": true, "SLACK_SIGNING_SECRET": true,
	"SLACK_APP_TOKEN": true, "TOCSIN_PAGE_WEBHOOK": true, "TOCSIN_PAGERDUTY_ROUTING_KEY": true,
	"TOCSIN_PAGERDUTY_WEBHOOK_SECRET": true, "TOCSIN_PAGERDUTY_API_TOKEN": true}

// minAPIToken is the shortest API token tocsin accepts: 32 characters of a
// random token are far beyond guessing, even without the sign-in limits.
const minAPIToken = 32

// maxStandby bounds TOCSIN_STANDBY_CHANNELS: each is a real, visible channel.
const maxStandby = 50

// LoadConfig reads the settings and reports every problem at once, each
// naming its variable.
func LoadConfig(getenv func(string) string) (Config, error) {
	file, err := readConfigFile(getenv("TOCSIN_CONFIG"))
	if err != nil {
		return Config{}, err
	}
	layered := layer(getenv, file)
	get := func(name string) string {
		if v := layered(name); v != "" {
			return v
		}
		for _, s := range settings {
			if s.name == name {
				return s.def
			}
		}
		return ""
	}
	var p problems
	c := Config{
		Addr: get("TOCSIN_ADDR"), DB: get("TOCSIN_DB"), APIToken: get("TOCSIN_API_TOKEN"),
		Runbooks: get("TOCSIN_RUNBOOKS"), Playbooks: get("TOCSIN_PLAYBOOKS"),
		SNSTopics: list(get("TOCSIN_SNS_TOPIC_ARNS")), SNSCertDir: get("TOCSIN_SNS_CERT_DIR"),
		SQSQueueURL: get("TOCSIN_SQS_QUEUE_URL"), SlackBotToken: get("SLACK_BOT_TOKEN"),
		SlackSigning: get("SLACK_SIGNING_SECRET"), SlackAppToken: get("SLACK_APP_TOKEN"),
		SlackAPIURL: get("SLACK_API_URL"), Announce: get("TOCSIN_ANNOUNCE_CHANNEL"),
		DigestChannel: get("TOCSIN_DIGEST_CHANNEL"), DigestSchedule: get("TOCSIN_DIGEST_SCHEDULE"),
		Timezone: get("TOCSIN_TIMEZONE"), Responders: list(get("TOCSIN_RESPONDERS")),
		PageWebhook: get("TOCSIN_PAGE_WEBHOOK"), AutomationRole: get("TOCSIN_AUTOMATION_ROLE"), MetricsNS: get("TOCSIN_CLOUDWATCH_NAMESPACE"),
		PprofAddr:           get("TOCSIN_PPROF_ADDR"),
		PagerDutyRoutingKey: get("TOCSIN_PAGERDUTY_ROUTING_KEY"), PagerDutyEventsURL: get("TOCSIN_PAGERDUTY_EVENTS_URL"),
		PagerDutyWebhookSecret: get("TOCSIN_PAGERDUTY_WEBHOOK_SECRET"), PagerDutyAPIToken: get("TOCSIN_PAGERDUTY_API_TOKEN"),
		PagerDutyAPIURL: get("TOCSIN_PAGERDUTY_API_URL"),
		PublicURL:       strings.TrimSuffix(get("TOCSIN_PUBLIC_URL"), "/"),
		PageSNSTopic:    get("TOCSIN_PAGE_SNS_TOPIC_ARN"),
	}
	c.ConfigFile = getenv("TOCSIN_CONFIG")
	for name := range secretSettings {
		if _, ok := file[name]; ok {
			c.FileSecrets = true
		}
	}
	c.DefaultSeverity = p.severity("TOCSIN_DEFAULT_SEVERITY", get("TOCSIN_DEFAULT_SEVERITY"))
	c.AutoMitigate = p.boolean("TOCSIN_AUTO_MITIGATE", get("TOCSIN_AUTO_MITIGATE"))
	c.ArchiveAfter = p.duration("TOCSIN_ARCHIVE_AFTER", get("TOCSIN_ARCHIVE_AFTER"))
	c.Reconcile = p.duration("TOCSIN_RECONCILE_EVERY", get("TOCSIN_RECONCILE_EVERY"))
	c.MaxPending = p.integer("TOCSIN_MAX_PENDING", get("TOCSIN_MAX_PENDING"))
	c.Standby = p.integer("TOCSIN_STANDBY_CHANNELS", get("TOCSIN_STANDBY_CHANNELS"))
	c.StormAfter = p.integer("TOCSIN_STORM_AFTER", get("TOCSIN_STORM_AFTER"))
	c.LogLevel = p.level("TOCSIN_LOG_LEVEL", get("TOCSIN_LOG_LEVEL"))
	c.KeyRetention = p.duration("TOCSIN_IDEMPOTENCY_RETENTION", get("TOCSIN_IDEMPOTENCY_RETENTION"))
	switch v := get("TOCSIN_SNS_SIGNATURE_VERSION"); v {
	case "", "1":
	case "2":
		c.SNSSignatureVersion = 2
	default:
		p.add(fmt.Errorf("TOCSIN_SNS_SIGNATURE_VERSION %q must be 2 (refuse SHA1-signed messages) or unset", v))
	}
	for name := range secretSettings {
		if v := get(name); placeholder(v) {
			p.add(fmt.Errorf("%s is the placeholder %q, not a secret", name, v))
		}
	}
	p.add(c.validate())
	return c, p.err()
}

// Postgres reports whether TOCSIN_DB names a PostgreSQL database rather
// than a bbolt file.
func (c Config) Postgres() bool { return isURL(c.DB) }

// storeName is TOCSIN_DB as it may be logged: a PostgreSQL URL without its
// password.
func (c Config) storeName() string {
	if isURL(c.DB) {
		return redactURL(c.DB)
	}
	return c.DB
}

// validate checks relations between settings.
func (c Config) validate() error {
	var errs []error
	if _, _, err := net.SplitHostPort(c.Addr); err != nil {
		errs = append(errs, fmt.Errorf("TOCSIN_ADDR %q is not a host:port address", c.Addr))
	}
	if c.DB == "" {
		errs = append(errs, errors.New("TOCSIN_DB must name the store file"))
	}
	if _, err := time.LoadLocation(c.Timezone); err != nil {
		errs = append(errs, fmt.Errorf("TOCSIN_TIMEZONE %q is not an IANA time zone", c.Timezone))
	}
	if c.APIToken != "" && len(c.APIToken) < minAPIToken {
		errs = append(errs, fmt.Errorf("TOCSIN_API_TOKEN is %d characters, fewer than %d; make one with: openssl rand -hex 32", len(c.APIToken), minAPIToken))
	}
	if err := plainHTTPSlack(c.SlackAPIURL); err != nil {
		errs = append(errs, err)
	}
	if c.KeyRetention < store.MinRetention {
		errs = append(errs, fmt.Errorf("TOCSIN_IDEMPOTENCY_RETENTION %s must be at least %s: SNS redelivers for about an hour", c.KeyRetention, store.MinRetention))
	}
	if c.SlackBotToken != "" && c.SlackSigning == "" && c.SlackAppToken == "" {
		errs = append(errs, errors.New("SLACK_SIGNING_SECRET is required with SLACK_BOT_TOKEN (or set SLACK_APP_TOKEN for Socket Mode)"))
	}
	if c.SlackAppToken != "" && !strings.HasPrefix(c.SlackAppToken, "xapp-") {
		errs = append(errs, errors.New("SLACK_APP_TOKEN must be an app-level token starting with xapp-"))
	}
	if !strings.HasSuffix(c.SlackAPIURL, "/") {
		errs = append(errs, fmt.Errorf("SLACK_API_URL %q must end with /", c.SlackAPIURL))
	}
	for _, t := range c.SNSTopics {
		if !topicARN(t) {
			errs = append(errs, fmt.Errorf("TOCSIN_SNS_TOPIC_ARNS: %q is not an SNS topic ARN", t))
		}
	}
	if c.PageSNSTopic != "" && !topicARN(c.PageSNSTopic) {
		errs = append(errs, fmt.Errorf("TOCSIN_PAGE_SNS_TOPIC_ARN %q is not an SNS topic ARN (arn:aws:sns:REGION:ACCOUNT:NAME)", c.PageSNSTopic))
	}
	if c.Standby < 0 || c.Standby > maxStandby {
		errs = append(errs, fmt.Errorf("TOCSIN_STANDBY_CHANNELS %d must be between 0 and %d", c.Standby, maxStandby))
	}
	if c.StormAfter < 0 {
		errs = append(errs, fmt.Errorf("TOCSIN_STORM_AFTER %d must be 0 (off) or more", c.StormAfter))
	}
	if c.PprofAddr != "" && !loopback(c.PprofAddr) {
		errs = append(errs, fmt.Errorf("TOCSIN_PPROF_ADDR %q must be a loopback host:port such as 127.0.0.1:6060 (profiles are not authenticated)", c.PprofAddr))
	}
	for name, v := range map[string]string{"TOCSIN_PAGERDUTY_EVENTS_URL": c.PagerDutyEventsURL, "TOCSIN_PAGERDUTY_API_URL": c.PagerDutyAPIURL} {
		if err := httpsURL(name, v); err != nil {
			errs = append(errs, err)
		}
	}
	if c.PublicURL != "" {
		if u, err := url.Parse(c.PublicURL); err != nil || (u.Scheme != "https" && u.Scheme != "http") || u.Host == "" {
			errs = append(errs, fmt.Errorf("TOCSIN_PUBLIC_URL %q is not an http(s) URL", c.PublicURL))
		}
	}
	if strings.HasPrefix(c.MetricsNS, "AWS/") {
		errs = append(errs, errors.New("TOCSIN_CLOUDWATCH_NAMESPACE must not start with AWS/"))
	}
	return errors.Join(errs...)
}

// LogValue keeps secrets out of logs: only whether each is set is shown.
func (c Config) LogValue() slog.Value {
	set := func(s string) string {
		if s == "" {
			return "unset"
		}
		return "set"
	}
	return slog.GroupValue(
		slog.String("addr", c.Addr), slog.String("db", c.storeName()),
		slog.String("api_token", set(c.APIToken)), slog.String("slack_bot_token", set(c.SlackBotToken)),
		slog.String("slack_signing_secret", set(c.SlackSigning)), slog.String("slack_app_token", set(c.SlackAppToken)),
		slog.String("slack_api_url", c.SlackAPIURL), slog.Int("sns_topics", len(c.SNSTopics)),
		slog.String("page_webhook", set(c.PageWebhook)), slog.Int("standby_channels", c.Standby),
		slog.String("pagerduty_routing_key", set(c.PagerDutyRoutingKey)), slog.String("pagerduty_events_url", c.PagerDutyEventsURL),
		slog.String("pagerduty_webhook_secret", set(c.PagerDutyWebhookSecret)), slog.String("pagerduty_api_token", set(c.PagerDutyAPIToken)),
		slog.String("page_sns_topic", c.PageSNSTopic),
		slog.Int("storm_after", c.StormAfter), slog.Bool("pprof", c.PprofAddr != ""),
		slog.Int("sns_signature_version_min", max(c.SNSSignatureVersion, 1)), slog.Duration("idempotency_retention", c.KeyRetention),
	)
}

// plainHTTPSlack refuses a Slack API URL that would send the bot token in
// clear text to another host: http is for a local stand-in only.
func plainHTTPSlack(raw string) error {
	return httpsURL("SLACK_API_URL", raw)
}

// httpsURL refuses a URL that is not http(s), or plain http to a host that
// is not loopback: what is sent to it (a token, a routing key) would cross
// the network in clear text.
func httpsURL(name, raw string) error {
	u, err := url.Parse(raw)
	if err != nil || u.Host == "" || (u.Scheme != "https" && u.Scheme != "http") {
		return fmt.Errorf("%s %q is not an http(s) URL", name, raw)
	}
	if u.Scheme == "http" && !loopback(u.Host) && !loopback(net.JoinHostPort(u.Hostname(), "80")) {
		return fmt.Errorf("%s %q uses plain http to a host that is not loopback: the credentials would cross the network in clear text", name, raw)
	}
	return nil
}

func known(name string) bool {
	for _, s := range settings {
		if s.name == name {
			return true
		}
	}
	return false
}

func list(s string) []string {
	var out []string
	for _, p := range strings.Split(s, ",") {
		if p = strings.TrimSpace(p); p != "" {
			out = append(out, p)
		}
	}
	return out
}

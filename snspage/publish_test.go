package snspage_test

import (
	"context"
	"net/http/httptest"
	"strings"
	"testing"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/credentials"
	"github.com/aws/aws-sdk-go-v2/service/sns"

	"github.com/tocsin-dev/tocsin/sim"
	"github.com/tocsin-dev/tocsin/snspage"
)

const topic = "arn:aws:sns:us-east-1:123456789012:tocsin-pages"

// newClient points the real SDK client, with one attempt as tocsin builds
// it, at the stand-in.
func newClient(t *testing.T) (*snspage.Client, *sim.SNSPublish) {
	t.Helper()
	stand := sim.NewSNSPublish(sim.SNSPublishOptions{Topics: []string{topic}})
	srv := httptest.NewServer(&sim.AWS{SNS: stand})
	t.Cleanup(srv.Close)
	api := sns.New(sns.Options{Region: "us-east-1", BaseEndpoint: aws.String(srv.URL), RetryMaxAttempts: 1,
		Credentials: credentials.NewStaticCredentialsProvider("AKID", "SECRET", "")})
	return &snspage.Client{API: api}, stand
}

func TestClient_Publish(t *testing.T) {
	c, stand := newClient(t)
	id, err := c.Publish(context.Background(), topic, "", "INC-7 SEV1 api: down")
	if err != nil || id == "" {
		t.Fatalf("Publish to the topic = %q, %v", id, err)
	}
	if _, err := c.Publish(context.Background(), "", "+15555550100", "INC-7 SEV1 api: down"); err != nil {
		t.Fatalf("Publish to a phone: %v", err)
	}
	got := stand.Published()
	if len(got) != 2 || got[0].MessageID != id || got[0].TopicARN != topic || got[1].PhoneNumber != "+15555550100" ||
		got[1].Message != "INC-7 SEV1 api: down" {
		t.Errorf("published %+v", got)
	}
}

func TestClient_Errors(t *testing.T) {
	tests := []struct {
		name      string
		arrange   func(*sim.SNSPublish)
		topic     string
		phone     string
		code      string
		permanent bool
	}{
		{"throttled", func(s *sim.SNSPublish) { s.Throttle(true) }, topic, "", "Throttled", false},
		{"internal error", func(s *sim.SNSPublish) { s.FailNext(sim.SNSInternalError, 1) }, topic, "", "InternalError", false},
		{"not authorized", func(s *sim.SNSPublish) { s.FailNext(sim.SNSAuthorizationError, 1) }, topic, "", "AuthorizationError", true},
		{"no such topic", func(*sim.SNSPublish) {}, topic + "-gone", "", "NotFound", true},
		{"bad phone", func(*sim.SNSPublish) {}, "", "+0123", "InvalidParameter", true},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			c, stand := newClient(t)
			tt.arrange(stand)
			_, err := c.Publish(context.Background(), tt.topic, tt.phone, "page")
			e, ok := err.(*snspage.Error)
			if !ok || e.Code != tt.code || e.Permanent() != tt.permanent || (e.RetryAfter() > 0) == tt.permanent {
				t.Fatalf("Publish error = %#v, want code %s, permanent %v", err, tt.code, tt.permanent)
			}
			if stand.Calls() != 1 {
				t.Errorf("%d calls reached SNS, want 1: the outbox retries, not the SDK", stand.Calls())
			}
			if tt.phone != "" && strings.Contains(err.Error(), tt.phone) {
				t.Errorf("error %q shows the phone number", err)
			}
			if len(stand.Published()) != 0 {
				t.Errorf("a refused Publish was recorded as published")
			}
		})
	}
}

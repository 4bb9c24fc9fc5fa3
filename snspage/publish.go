package snspage

import (
	"context"
	"errors"
	"fmt"
	"net/http"
	"strings"
	"time"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/sns"
	"github.com/aws/smithy-go"
	smithyhttp "github.com/aws/smithy-go/transport/http"
)

// PublishAPI is the SDK's Publish, as *sns.Client has it.
type PublishAPI interface {
	Publish(ctx context.Context, params *sns.PublishInput, optFns ...func(*sns.Options)) (*sns.PublishOutput, error)
}

// Client publishes pages.
type Client struct {
	API PublishAPI
}

// Publish sends message to topicARN, or when it is "" to the phone number
// phone (E.164), and returns SNS's MessageId. Errors are *Error.
func (c *Client) Publish(ctx context.Context, topicARN, phone, message string) (string, error) {
	in := &sns.PublishInput{Message: aws.String(message)}
	if topicARN != "" {
		in.TopicArn = aws.String(topicARN)
	} else {
		in.PhoneNumber = aws.String(phone)
	}
	out, err := c.API.Publish(ctx, in)
	if err != nil {
		return "", classify(err, phone)
	}
	return aws.ToString(out.MessageId), nil
}

// Error is a failed Publish.
type Error struct {
	Code       string // SNS's error code, or "" for a network error
	Msg        string
	permanent  bool
	retryAfter time.Duration
}

func (e *Error) Error() string {
	if e.Code == "" {
		return "SNS Publish: " + e.Msg
	}
	return "SNS Publish: " + e.Code + ": " + e.Msg
}

// Permanent reports whether retrying cannot help.
func (e *Error) Permanent() bool { return e.permanent }

// RetryAfter is how long to wait before trying again (0: permanent).
func (e *Error) RetryAfter() time.Duration { return e.retryAfter }

// transientCodes are the codes SNS documents for throttling and its own
// failures.
var transientCodes = map[string]time.Duration{
	"Throttled": 5 * time.Second, "Throttling": 5 * time.Second, "ThrottlingException": 5 * time.Second,
	"KMSThrottling": 5 * time.Second, "InternalError": time.Second, "InternalFailure": time.Second,
	"ServiceUnavailable": time.Second,
}

// classify turns an SDK error into an *Error, without the phone number.
func classify(err error, phone string) *Error {
	mask := func(s string) string {
		if phone == "" {
			return s
		}
		return strings.ReplaceAll(s, phone, maskPhone(phone))
	}
	var api smithy.APIError
	if !errors.As(err, &api) {
		return &Error{Msg: mask(err.Error()), retryAfter: time.Second}
	}
	e := &Error{Code: api.ErrorCode(), Msg: mask(api.ErrorMessage())}
	if d, ok := transientCodes[e.Code]; ok {
		e.retryAfter = d
		return e
	}
	var resp *smithyhttp.ResponseError
	if errors.As(err, &resp) && (resp.HTTPStatusCode() >= 500 || resp.HTTPStatusCode() == http.StatusTooManyRequests) {
		e.retryAfter = time.Second
		return e
	}
	e.permanent = true
	return e
}

// maskPhone shows a phone number's last four digits only.
func maskPhone(p string) string {
	if len(p) <= 4 {
		return "…"
	}
	return fmt.Sprintf("…%s", p[len(p)-4:])
}

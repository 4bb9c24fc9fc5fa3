package sim

import (
	"bytes"
	"context"
	"encoding/json"
	"fmt"
	"io"
	"net/http"
)

// PostSNS delivers body (an SNS envelope's JSON) to endpoint as SNS's HTTP
// delivery does: a POST with Content-Type text/plain and the
// x-amz-sns-message-type, -message-id and -topic-arn headers read from the
// envelope (Notification when it does not parse: a test may post
// anything). It returns the answer's status and headers (Retry-After on a
// 503, say); client nil means http.DefaultClient.
func PostSNS(ctx context.Context, client *http.Client, endpoint string, body []byte) (status int, header http.Header, err error) {
	if client == nil {
		client = http.DefaultClient
	}
	req, err := http.NewRequestWithContext(ctx, http.MethodPost, endpoint, bytes.NewReader(body))
	if err != nil {
		return 0, nil, err
	}
	var env struct{ Type, MessageId, TopicArn string }
	if json.Unmarshal(body, &env) != nil || env.Type == "" {
		env.Type = SNSNotification
	}
	req.Header.Set("x-amz-sns-message-type", env.Type)
	if env.MessageId != "" {
		req.Header.Set("x-amz-sns-message-id", env.MessageId)
	}
	if env.TopicArn != "" {
		req.Header.Set("x-amz-sns-topic-arn", env.TopicArn)
	}
	req.Header.Set("Content-Type", "text/plain; charset=UTF-8")
	req.Header.Set("User-Agent", "Amazon Simple Notification Service Agent")
	resp, err := client.Do(req)
	if err != nil {
		return 0, nil, fmt.Errorf("deliver SNS message: %w", err)
	}
	defer resp.Body.Close()
	io.Copy(io.Discard, io.LimitReader(resp.Body, 1<<20))
	return resp.StatusCode, resp.Header, nil
}

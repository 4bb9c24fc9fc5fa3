// Package snspage sends pages as short messages through Amazon SNS: Client
// publishes to the paging topic (TOCSIN_PAGE_SNS_TOPIC_ARN, whose
// subscribers get SMS or e-mail) or straight to one phone number, with the
// aws-sdk-go-v2 sns client behind PublishAPI (the SDK method's exact
// signature; its endpoint is settable with AWS_ENDPOINT_URL_SNS). It
// satisfies dispatch.SMS without importing dispatch, and imports only the
// SDK and smithy-go.
//
// What it chose where SNS leaves a choice:
//   - Throttled, Throttling, ThrottlingException, KMSThrottling and
//     InternalError (and any 5xx or 429, or a network error) are transient:
//     Error's RetryAfter asks the outbox to wait (5 s after throttling, 1 s
//     otherwise) rather than retrying inside the call. The SDK client is
//     built with one attempt, so the outbox's one entry is the only retry.
//   - Every other error SNS answers (InvalidParameter, AuthorizationError,
//     NotFound, EndpointDisabled, …) is permanent (Error's Permanent): the
//     page is given up and the reason recorded on the incident's timeline.
//   - A phone number never appears in an error: it is masked to its last
//     four digits.
//
// Exactly once is dispatch's part (SMSExecutor): SNS has no idempotency
// token for Publish on standard topics or direct SMS, so the executor
// records each attempt durably before it is sent.
package snspage

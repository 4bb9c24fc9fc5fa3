package intake

import (
	"bytes"
	"encoding/json"
	"errors"
	"fmt"
	"time"
)

// The three SNS message types (the Type field and the
// x-amz-sns-message-type header).
const (
	TypeNotification             = "Notification"
	TypeSubscriptionConfirmation = "SubscriptionConfirmation"
	TypeUnsubscribeConfirmation  = "UnsubscribeConfirmation"
)

// Errors of ParseEnvelope. Each returned error wraps one of them and says
// what exactly is wrong.
var (
	// ErrMalformed: the body claims to be an SNS message but is not a
	// well-formed one (bad JSON, unknown Type, a missing or mistyped field).
	ErrMalformed = errors.New("malformed SNS message")
	// ErrRawDelivery: the body is not an SNS envelope at all, which is what
	// a subscription with raw message delivery sends. Such a body carries no
	// signature, so it cannot be authenticated over HTTP.
	ErrRawDelivery = errors.New("raw message delivery must be turned off for the SNS subscription")
)

// Envelope is one SNS message as delivered to an HTTP/S endpoint or an SQS
// queue. The string fields hold the JSON-decoded values, which are what the
// signature covers.
type Envelope struct {
	Type      string
	MessageID string
	TopicARN  string
	// Subject is signed only when it was present; HasSubject says so.
	Subject    string
	HasSubject bool
	Message    string
	// Timestamp is kept as sent (it is signed verbatim); SentAt is it parsed.
	Timestamp string
	SentAt    time.Time
	// Token and SubscribeURL: subscription and unsubscribe confirmations.
	Token          string
	SubscribeURL   string
	UnsubscribeURL string

	SignatureVersion string
	Signature        string
	SigningCertURL   string
}

// wireEnvelope is the JSON body. encoding/json matches keys without regard
// to case, so SigningCertUrl and UnsubscribeUrl (the Lambda spellings) fill
// the same fields as SigningCertURL and UnsubscribeURL.
type wireEnvelope struct {
	Type             *string `json:"Type"`
	MessageID        *string `json:"MessageId"`
	TopicARN         *string `json:"TopicArn"`
	Subject          *string `json:"Subject"`
	Message          *string `json:"Message"`
	Timestamp        *string `json:"Timestamp"`
	Token            *string `json:"Token"`
	SubscribeURL     *string `json:"SubscribeURL"`
	UnsubscribeURL   *string `json:"UnsubscribeURL"`
	SignatureVersion *string `json:"SignatureVersion"`
	Signature        *string `json:"Signature"`
	SigningCertURL   *string `json:"SigningCertURL"`
}

// ParseEnvelope decodes the JSON body of an SNS message of any of the three
// types and checks that every field the type needs is there. It does not
// verify the signature (see Verifier.Verify). A body that is not an SNS
// envelope gives an error wrapping ErrRawDelivery; a broken one, ErrMalformed.
func ParseEnvelope(body []byte) (Envelope, error) {
	trimmed := bytes.TrimSpace(body)
	if len(trimmed) == 0 || trimmed[0] != '{' {
		return Envelope{}, fmt.Errorf("%w: the body is not a JSON object, so not an SNS envelope", ErrRawDelivery)
	}
	var w wireEnvelope
	if err := json.Unmarshal(trimmed, &w); err != nil {
		var te *json.UnmarshalTypeError
		if errors.As(err, &te) && te.Field != "" {
			return Envelope{}, fmt.Errorf("%w: field %s is a JSON %s, not a string", ErrMalformed, te.Field, te.Value)
		}
		return Envelope{}, fmt.Errorf("%w: body is not valid JSON: %v", ErrMalformed, err)
	}
	if w.Type == nil {
		return Envelope{}, fmt.Errorf("%w: the body has no Type field, so it is not an SNS envelope", ErrRawDelivery)
	}
	e := w.envelope()
	if err := e.check(&w); err != nil {
		return Envelope{}, err
	}
	return e, nil
}

func (w *wireEnvelope) envelope() Envelope {
	s := func(p *string) string {
		if p == nil {
			return ""
		}
		return *p
	}
	return Envelope{
		Type: s(w.Type), MessageID: s(w.MessageID), TopicARN: s(w.TopicARN),
		Subject: s(w.Subject), HasSubject: w.Subject != nil, Message: s(w.Message),
		Timestamp: s(w.Timestamp), Token: s(w.Token),
		SubscribeURL: s(w.SubscribeURL), UnsubscribeURL: s(w.UnsubscribeURL),
		SignatureVersion: s(w.SignatureVersion), Signature: s(w.Signature),
		SigningCertURL: s(w.SigningCertURL),
	}
}

// field is one required envelope field, for check.
type field struct {
	name  string
	value *string
}

// check reports the first missing field the message type needs, then
// parses the Timestamp.
func (e *Envelope) check(w *wireEnvelope) error {
	required := []field{
		{"MessageId", w.MessageID}, {"TopicArn", w.TopicARN}, {"Message", w.Message},
		{"Timestamp", w.Timestamp}, {"SignatureVersion", w.SignatureVersion},
		{"Signature", w.Signature}, {"SigningCertURL", w.SigningCertURL},
	}
	switch e.Type {
	case TypeNotification:
	case TypeSubscriptionConfirmation, TypeUnsubscribeConfirmation:
		required = append(required, field{"SubscribeURL", w.SubscribeURL}, field{"Token", w.Token})
	default:
		return fmt.Errorf("%w: unknown Type %q (want Notification, SubscriptionConfirmation or UnsubscribeConfirmation)", ErrMalformed, e.Type)
	}
	for _, f := range required {
		if f.value == nil || *f.value == "" {
			return fmt.Errorf("%w: %s has no %s", ErrMalformed, e.Type, f.name)
		}
	}
	at, err := time.Parse(time.RFC3339Nano, e.Timestamp)
	if err != nil {
		return fmt.Errorf("%w: Timestamp %q is not ISO-8601", ErrMalformed, e.Timestamp)
	}
	e.SentAt = at
	return nil
}

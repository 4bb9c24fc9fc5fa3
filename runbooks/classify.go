package runbooks

import (
	"context"
	"errors"
	"net"
	"strings"
	"time"
	"unicode"

	"github.com/aws/smithy-go"

	"github.com/tocsin-dev/tocsin/incident"
)

// Class says what to do about an error from the executor.
type Class int

// The classes.
const (
	// ClassNone: no error.
	ClassNone Class = iota
	// ClassRetry: transient (throttling, 5xx, a network failure, an
	// invocation SSM has not registered yet); try again later.
	ClassRetry
	// ClassDenied: tocsin's AWS identity may not do this; retrying will not help.
	ClassDenied
	// ClassInvalid: the request can never succeed as given.
	ClassInvalid
	// ClassUnknown: anything else; retry a bounded number of times.
	ClassUnknown
)

func (c Class) String() string {
	return [...]string{"none", "retry", "denied", "invalid", "unknown"}[c]
}

// Error codes by class. Codes are the API's (the __type on the wire).
var (
	retryCodes = codes("ThrottlingException", "Throttling", "TooManyRequestsException", "RequestLimitExceeded",
		"ThrottledException", "SlowDown", "RequestTimeout", "RequestTimeoutException", "InternalServerError",
		"InternalFailure", "ServiceUnavailable", "InvocationDoesNotExist", "TooManyUpdates",
		"AutomationExecutionLimitExceededException")
	deniedCodes = codes("AccessDeniedException", "AccessDenied", "UnauthorizedOperation",
		"UnrecognizedClientException", "InvalidClientTokenId", "ExpiredToken", "ExpiredTokenException",
		"SignatureDoesNotMatch", "MissingAuthenticationToken", "IncompleteSignature")
	invalidCodes = codes("ValidationException", "InvalidParameters", "InvalidInstanceId", "InvalidDocument",
		"InvalidDocumentVersion", "InvalidDocumentType", "InvalidTarget", "InvalidTargetMaps",
		"InvalidAutomationExecutionParametersException", "AutomationDefinitionNotFoundException",
		"AutomationDefinitionVersionNotFoundException", "AutomationDefinitionNotApprovedException",
		"InvalidRole", "InvalidOutputFolder", "InvalidNotificationConfig", "UnsupportedPlatformType",
		"InvalidCommandId", "AutomationExecutionNotFoundException", "IdempotentParameterMismatch",
		"InvalidFilterKey", "InvalidFilter", "InvalidNextToken", "InvalidPluginName", "DuplicateInstanceId",
		"MaxDocumentSizeExceeded")
)

func codes(cs ...string) map[string]bool {
	m := make(map[string]bool, len(cs))
	for _, c := range cs {
		m[c] = true
	}
	return m
}

// Classify sorts an error from Start, Poll or Cancel (or from Validate and
// Plan) into a Class.
func Classify(err error) Class {
	if err == nil {
		return ClassNone
	}
	if code := apiCode(err); code != "" {
		switch {
		case retryCodes[code]:
			return ClassRetry
		case deniedCodes[code]:
			return ClassDenied
		case invalidCodes[code]:
			return ClassInvalid
		}
	}
	if c := classByStatus(err); c != ClassUnknown {
		return c
	}
	var ne net.Error
	switch {
	case errors.Is(err, incident.ErrInvalid):
		return ClassInvalid
	case errors.Is(err, context.DeadlineExceeded), errors.Is(err, context.Canceled), errors.As(err, &ne):
		return ClassRetry
	}
	var ae smithy.APIError
	if errors.As(err, &ae) && ae.ErrorFault() == smithy.FaultServer {
		return ClassRetry
	}
	return ClassUnknown
}

func apiCode(err error) string {
	var ae smithy.APIError
	if errors.As(err, &ae) {
		code := ae.ErrorCode()
		if i := strings.LastIndexByte(code, '#'); i >= 0 { // com.amazonaws.ssm#Code
			code = code[i+1:]
		}
		return code
	}
	return ""
}

// classByStatus uses the HTTP status of an SDK response error.
func classByStatus(err error) Class {
	var he interface{ HTTPStatusCode() int }
	if !errors.As(err, &he) {
		return ClassUnknown
	}
	switch s := he.HTTPStatusCode(); {
	case s >= 500 || s == 429:
		return ClassRetry
	case s == 401 || s == 403:
		return ClassDenied
	case s == 400 || s == 404:
		return ClassInvalid
	}
	return ClassUnknown
}

// explanations are the sentences Explain gives for well-known codes.
var explanations = map[string]string{
	"InvocationDoesNotExist":                        "Systems Manager has not registered the command on the instance yet; tocsin will check again.",
	"InvalidInstanceId":                             "The target instance is not managed by Systems Manager, is not running, or is in another account or region.",
	"InvalidDocument":                               "The SSM document this runbook names does not exist in this account and region.",
	"AutomationDefinitionNotFoundException":         "The SSM document this runbook names does not exist in this account and region.",
	"InvalidDocumentVersion":                        "The document version this runbook names does not exist.",
	"AutomationDefinitionVersionNotFoundException":  "The document version this runbook names does not exist.",
	"InvalidParameters":                             "Systems Manager rejected the runbook's parameters: the document does not accept them as given.",
	"InvalidAutomationExecutionParametersException": "Systems Manager rejected the runbook's parameters: the document does not accept them as given.",
	"InvalidTarget":                                 "No instance matches the runbook's targets.",
	"UnsupportedPlatformType":                       "The document cannot run on the target instance's operating system.",
	"InvalidRole":                                   "The automation role is not valid, or tocsin may not pass it.",
	"IdempotentParameterMismatch":                   "An earlier attempt of this run used different parameters, so Systems Manager refused to start it again.",
	"AutomationExecutionLimitExceededException":     "Too many automations are running in this account; tocsin will try again.",
}

// Explain says in one plain sentence what went wrong, for the requester.
// It never quotes the AWS message, so no ARN, account, credential or
// request id reaches chat; log the error itself for operators.
func Explain(err error) string {
	if err == nil {
		return ""
	}
	if s, ok := explanations[apiCode(err)]; ok {
		return s
	}
	switch Classify(err) {
	case ClassRetry:
		return "Systems Manager is busy or briefly unreachable; tocsin will try again."
	case ClassDenied:
		return "tocsin's AWS role is not allowed to do this: check that the instance is tagged tocsin:managed=true and that the IAM policy allows the runbook's document."
	case ClassInvalid:
		if apiCode(err) == "" && errors.Is(err, incident.ErrInvalid) {
			return ownSentence(err)
		}
		return "Systems Manager rejected the request as invalid."
	}
	return "Systems Manager returned an unexpected error; the details are in tocsin's log."
}

// ownSentence turns one of this package's validation errors into a sentence.
func ownSentence(err error) string {
	msg := err.Error()
	if i := strings.LastIndex(msg, incident.ErrInvalid.Error()+": "); i >= 0 {
		msg = msg[i+len(incident.ErrInvalid.Error())+2:]
	}
	r := []rune(strings.TrimSpace(msg))
	if len(r) == 0 {
		return "The request is not valid."
	}
	r[0] = unicode.ToUpper(r[0])
	s := string(r)
	if !strings.HasSuffix(s, ".") {
		s += "."
	}
	return s
}

// NextPoll is the wait before poll number attempt (from 0): 1s, 2s, 4s, ...
// capped at 30s.
func NextPoll(attempt int) time.Duration {
	const ceiling = 30 * time.Second
	if attempt < 0 {
		attempt = 0
	}
	if attempt >= 5 {
		return ceiling
	}
	return min(time.Second<<attempt, ceiling)
}

package runbooks

import (
	"context"
	"errors"
	"fmt"
	"net/http"
	"strings"
	"testing"
	"time"

	"github.com/aws/aws-sdk-go-v2/service/ssm/types"
	"github.com/aws/smithy-go"
	smithyhttp "github.com/aws/smithy-go/transport/http"

	"github.com/tocsin-dev/tocsin/incident"
)

// sdkError wraps err the way the SDK does: an OperationError around a
// ResponseError that carries the HTTP status (and, in the response, a
// request id).
func sdkError(status int, err error) error {
	resp := &http.Response{StatusCode: status, Header: http.Header{"X-Amzn-Requestid": {"8c5d0e3a-1b2c-4d5e-9f00-abcdefabcdef"}}}
	return &smithy.OperationError{ServiceID: "SSM", OperationName: "SendCommand",
		Err: &smithyhttp.ResponseError{Response: &smithyhttp.Response{Response: resp}, Err: err}}
}

func TestClassify(t *testing.T) {
	denied := &smithy.GenericAPIError{Code: "AccessDeniedException",
		Message: "User: arn:aws:sts::123456789012:assumed-role/tocsin/i-0abc is not authorized to perform: ssm:SendCommand on resource: arn:aws:ec2:us-east-1:123456789012:instance/i-0123456789abcdef0"}
	tests := []struct {
		name string
		err  error
		want Class
	}{
		{"Nil", nil, ClassNone},
		{"InvalidInstanceId", &types.InvalidInstanceId{Message: optional("Instances not in a valid state")}, ClassInvalid},
		{"InvalidInstanceIdFromSDK", sdkError(400, &types.InvalidInstanceId{}), ClassInvalid},
		{"Throttling", &smithy.GenericAPIError{Code: "ThrottlingException", Message: "Rate exceeded"}, ClassRetry},
		{"ThrottlingNamespaced", &smithy.GenericAPIError{Code: "com.amazonaws.ssm#ThrottlingException"}, ClassRetry},
		{"ThrottlingWrapped", fmt.Errorf("send command for run 4: %w", sdkError(400, &smithy.GenericAPIError{Code: "ThrottlingException"})), ClassRetry},
		{"InvocationDoesNotExist", &types.InvocationDoesNotExist{}, ClassRetry},
		{"InternalServerError", &types.InternalServerError{}, ClassRetry},
		{"Status503", sdkError(503, errors.New("service unavailable")), ClassRetry},
		{"UnknownCode500", sdkError(500, &smithy.GenericAPIError{Code: "Whatever"}), ClassRetry},
		{"AccessDenied", denied, ClassDenied},
		{"AccessDeniedFromSDK", sdkError(400, denied), ClassDenied},
		{"Status403", sdkError(403, errors.New("forbidden")), ClassDenied},
		{"Validation", &smithy.GenericAPIError{Code: "ValidationException"}, ClassInvalid},
		{"InvalidParameters", &types.InvalidParameters{}, ClassInvalid},
		{"InvalidDocument", &types.InvalidDocument{}, ClassInvalid},
		{"AutomationParameters", &types.InvalidAutomationExecutionParametersException{}, ClassInvalid},
		{"OwnValidation", &InputError{Problems: []string{"input x is required: give a, b."}}, ClassInvalid},
		{"Deadline", context.DeadlineExceeded, ClassRetry},
		{"Plain", errors.New("something odd"), ClassUnknown},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			if got := Classify(tt.err); got != tt.want {
				t.Errorf("Classify = %v, want %v", got, tt.want)
			}
			ex := Explain(tt.err)
			if tt.err != nil && (ex == "" || !strings.HasSuffix(ex, ".")) {
				t.Errorf("Explain = %q, want a sentence", ex)
			}
			for _, leak := range []string{"arn:", "123456789012", "8c5d0e3a", "i-0abc", "RequestID", "Rate exceeded"} {
				if strings.Contains(ex, leak) {
					t.Errorf("Explain leaks %q: %s", leak, ex)
				}
			}
		})
	}
}

func TestExplain(t *testing.T) {
	tests := []struct {
		err  error
		want string
	}{
		{&types.InvalidInstanceId{}, "The target instance is not managed by Systems Manager, is not running, or is in another account or region."},
		{&smithy.GenericAPIError{Code: "AccessDeniedException"}, "tocsin's AWS role is not allowed to do this: check that the instance is tagged tocsin:managed=true and that the IAM policy allows the runbook's document."},
		{&smithy.GenericAPIError{Code: "ThrottlingException"}, "Systems Manager is busy or briefly unreachable; tocsin will try again."},
		{fmt.Errorf("%w: runbook x acts on the alarm's InstanceId, and alarm y has no InstanceId dimension", incident.ErrInvalid),
			"Runbook x acts on the alarm's InstanceId, and alarm y has no InstanceId dimension."},
		{errors.New("boom"), "Systems Manager returned an unexpected error; the details are in tocsin's log."},
	}
	for _, tt := range tests {
		if got := Explain(tt.err); got != tt.want {
			t.Errorf("Explain(%v) =\n %q, want\n %q", tt.err, got, tt.want)
		}
	}
}

func TestNextPoll(t *testing.T) {
	want := []time.Duration{time.Second, 2 * time.Second, 4 * time.Second, 8 * time.Second, 16 * time.Second, 30 * time.Second, 30 * time.Second}
	for i, w := range want {
		if got := NextPoll(i); got != w {
			t.Errorf("NextPoll(%d) = %v, want %v", i, got, w)
		}
	}
	if NextPoll(-1) != time.Second || NextPoll(1000) != 30*time.Second {
		t.Error("out-of-range attempts")
	}
}

package sim

import (
	"encoding/json"
	"net/http"
	"strings"
)

// AWS serves the SSM, SQS, CloudWatch and SNS Publish stand-ins on one
// endpoint, the way AWS_ENDPOINT_URL points every SDK client at one
// address: requests are routed by their X-Amz-Target prefix (AWS JSON
// protocols), by the Smithy RPC v2 CBOR path (CloudWatch), or as a form
// POST (the query protocol: SNS).
type AWS struct {
	SSM        *SSM
	SQS        *SQS
	CloudWatch *CloudWatch
	SNS        *SNSPublish
}

// ServeHTTP routes one request to its service.
func (a *AWS) ServeHTTP(w http.ResponseWriter, r *http.Request) {
	target := r.Header.Get("X-Amz-Target")
	switch {
	case strings.HasPrefix(target, "AmazonSSM.") && a.SSM != nil:
		a.SSM.ServeHTTP(w, r)
	case strings.HasPrefix(target, "AmazonSQS.") && a.SQS != nil:
		a.SQS.ServeHTTP(w, r)
	case strings.HasPrefix(r.URL.Path, "/service/GraniteServiceVersion20100801/") && a.CloudWatch != nil:
		a.CloudWatch.ServeHTTP(w, r)
	case target == "" && strings.HasPrefix(r.Header.Get("Content-Type"), "application/x-www-form-urlencoded") && a.SNS != nil:
		a.SNS.ServeHTTP(w, r)
	default:
		w.Header().Set("Content-Type", "application/x-amz-json-1.1")
		w.WriteHeader(http.StatusBadRequest)
		w.Write([]byte(`{"__type":"UnknownOperationException","message":"this local stand-in serves SSM, SQS, CloudWatch and SNS Publish only"}`))
	}
}

// The SQS and SSM stand-ins speak the AWS JSON protocols (1.0 and 1.1),
// which differ in the Content-Type and in how an error's __type is
// spelled, but not in how bodies are read and written.

// awsJSONDecode decodes a request body into an operation's input shape; an
// empty body is the zero input.
func awsJSONDecode[T any](body []byte) (T, error) {
	var in T
	if len(body) == 0 {
		return in, nil
	}
	err := json.Unmarshal(body, &in)
	return in, err
}

// awsJSONWriteError answers with an error of the given status and __type.
func awsJSONWriteError(w http.ResponseWriter, status int, typ, msg string) {
	w.WriteHeader(status)
	_ = json.NewEncoder(w).Encode(map[string]string{"__type": typ, "message": msg})
}

// awsJSONWriteOutput answers with an operation's output; one that has none
// is {}.
func awsJSONWriteOutput(w http.ResponseWriter, out any) {
	if out == nil {
		out = struct{}{}
	}
	_ = json.NewEncoder(w).Encode(out)
}

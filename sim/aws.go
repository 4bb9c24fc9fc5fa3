package sim

import (
	"net/http"
	"strings"
)

// AWS serves the SSM, SQS and CloudWatch stand-ins on one endpoint, the way
// AWS_ENDPOINT_URL points every SDK client at one address: requests are
// routed by their X-Amz-Target prefix (AWS JSON protocols) or by the Smithy
// RPC v2 CBOR path (CloudWatch).
type AWS struct {
	SSM        *SSM
	SQS        *SQS
	CloudWatch *CloudWatch
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
	default:
		w.Header().Set("Content-Type", "application/x-amz-json-1.1")
		w.WriteHeader(http.StatusBadRequest)
		w.Write([]byte(`{"__type":"UnknownOperationException","message":"this local stand-in serves SSM, SQS and CloudWatch only"}`))
	}
}

package sim

import (
	"compress/gzip"
	"encoding/base64"
	"fmt"
	"io"
	"maps"
	"net/http"
	"slices"
	"strconv"
	"strings"
	"time"

	"github.com/aws/smithy-go/encoding/cbor"
)

// This file holds the RPC v2 CBOR plumbing: routing by operation name,
// error bodies, and helpers reading and writing CBOR values.

const (
	cwPathPrefix = "/service/GraniteServiceVersion20100801/operation/"
	cwNamespace  = "com.amazonaws.cloudwatch"
	cwMaxBody    = 4 << 20
)

// cwError is an error response: HTTP status, modeled shape, legacy query code.
type cwError struct {
	status int
	typ    string // shape ID, e.g. com.amazonaws.cloudwatch#InvalidParameterValueException
	code   string // awsQuery code for X-Amzn-Query-Error, e.g. InvalidParameterValue
	msg    string
	extra  cbor.Map
}

func cwErr(status int, shape, code, msg string) *cwError {
	if !strings.Contains(shape, "#") {
		shape = cwNamespace + "#" + shape
	}
	return &cwError{status: status, typ: shape, code: code, msg: msg}
}

func cwInvalidValue(format string, args ...any) *cwError {
	return cwErr(400, "InvalidParameterValueException", "InvalidParameterValue", fmt.Sprintf(format, args...))
}

func cwValidation(format string, args ...any) *cwError {
	return cwErr(400, "ValidationException", "ValidationError", fmt.Sprintf(format, args...))
}

func cwCombination(format string, args ...any) *cwError {
	return cwErr(400, "InvalidParameterCombinationException", "InvalidParameterCombination", fmt.Sprintf(format, args...))
}

func cwMissing(param string) *cwError {
	return cwErr(400, "MissingRequiredParameterException", "MissingParameter",
		fmt.Sprintf("The parameter %s is required.", param))
}

// cwFaultError builds the error for an injected fault: modeled CloudWatch
// errors by their query code, anything else (Throttling, InternalFailure, …)
// as the unmodeled Coral error AWS sends.
func cwFaultError(code string, status int) *cwError {
	shapes := map[string]string{
		"InvalidParameterValue":       "InvalidParameterValueException",
		"InvalidParameterCombination": "InvalidParameterCombinationException",
		"MissingParameter":            "MissingRequiredParameterException",
		"ValidationError":             "ValidationException",
		"ResourceNotFound":            "ResourceNotFound",
		"ResourceNotFoundException":   "ResourceNotFoundException",
		"InternalServiceError":        "InternalServiceFault",
		"LimitExceeded":               "LimitExceededFault",
		"InvalidNextToken":            "InvalidNextToken",
		"Throttling":                  "com.amazon.coral.availability#ThrottlingException",
	}
	shape, ok := shapes[code]
	if !ok {
		shape = "com.amazon.coral.service#" + code
	}
	return cwErr(status, shape, code, "injected fault: "+code)
}

// ServeHTTP answers one RPC v2 CBOR request.
func (cw *CloudWatch) ServeHTTP(w http.ResponseWriter, r *http.Request) {
	op, ok := strings.CutPrefix(r.URL.Path, cwPathPrefix)
	if !ok || op == "" || strings.Contains(op, "/") {
		cwWriteError(w, cwErr(404, "com.amazon.coral.service#UnknownOperationException", "UnknownOperation", "no such operation: "+r.URL.Path))
		return
	}
	if r.Method != http.MethodPost {
		cwWriteError(w, cwErr(405, "com.amazon.coral.service#UnknownOperationException", "UnknownOperation", "method must be POST"))
		return
	}
	in, cerr := cwReadInput(r)
	var out cbor.Map
	if cerr == nil {
		out, cerr = cw.handle(op, in)
	} else {
		cw.record(op, cerr)
	}
	if cerr != nil {
		cwWriteError(w, cerr)
		return
	}
	w.Header().Set("Content-Type", "application/cbor")
	w.Header().Set("Smithy-Protocol", "rpc-v2-cbor")
	_, _ = w.Write(cbor.Encode(out))
}

func (cw *CloudWatch) record(op string, e *cwError) {
	cw.mu.Lock()
	defer cw.mu.Unlock()
	cw.recordLocked(op, e)
}

func (cw *CloudWatch) recordLocked(op string, e *cwError) {
	c := CWCall{Op: op, At: cw.now()}
	if e != nil {
		c.Error = e.code
	}
	cw.calls = append(cw.calls, c)
}

func (cw *CloudWatch) handle(op string, in cbor.Map) (out cbor.Map, e *cwError) {
	cw.mu.Lock()
	defer cw.mu.Unlock()
	defer func() { cw.recordLocked(op, e) }()
	if q := cw.faults[op]; len(q) > 0 {
		cw.faults[op] = q[1:]
		return nil, cwFaultError(q[0].code, q[0].status)
	}
	if h, ok := cwOps[op]; ok {
		return h(cw, in, cw.now())
	}
	return nil, cwErr(404, "com.amazon.coral.service#UnknownOperationException", "UnknownOperation",
		"operation "+op+" is not supported by the tocsin CloudWatch stand-in")
}

// cwHandler serves one operation; it runs with cw.mu held.
type cwHandler func(cw *CloudWatch, in cbor.Map, now time.Time) (cbor.Map, *cwError)

// cwOps is every operation the stand-in serves, by its Smithy name.
var cwOps = map[string]cwHandler{
	"DescribeAlarms":       cwTimeless((*CloudWatch).describeAlarms),
	"DescribeAlarmHistory": cwTimeless((*CloudWatch).describeAlarmHistory),
	"GetMetricData":        (*CloudWatch).getMetricData,
	"GetMetricWidgetImage": (*CloudWatch).getMetricWidgetImage,
	"ListTagsForResource":  cwTimeless((*CloudWatch).listTagsForResource),
	"PutMetricData":        (*CloudWatch).putMetricData,
}

// cwTimeless adapts an operation that does not read the clock.
func cwTimeless(f func(*CloudWatch, cbor.Map) (cbor.Map, *cwError)) cwHandler {
	return func(cw *CloudWatch, in cbor.Map, _ time.Time) (cbor.Map, *cwError) { return f(cw, in) }
}

func cwReadInput(r *http.Request) (cbor.Map, *cwError) {
	body := io.LimitReader(r.Body, cwMaxBody)
	if strings.EqualFold(r.Header.Get("Content-Encoding"), "gzip") {
		zr, err := gzip.NewReader(body)
		if err != nil {
			return nil, cwErr(400, "com.amazon.coral.service#SerializationException", "SerializationException", "bad gzip body")
		}
		body = io.LimitReader(zr, cwMaxBody)
	}
	b, err := io.ReadAll(body)
	if err != nil {
		return nil, cwErr(400, "com.amazon.coral.service#SerializationException", "SerializationException", "read body: "+err.Error())
	}
	if len(b) == 0 {
		return cbor.Map{}, nil
	}
	v, err := cbor.Decode(b)
	m, ok := v.(cbor.Map)
	if err != nil || !ok {
		return nil, cwErr(400, "com.amazon.coral.service#SerializationException", "SerializationException", "body is not a CBOR map")
	}
	return m, nil
}

func cwWriteError(w http.ResponseWriter, e *cwError) {
	body := cbor.Map{"__type": cbor.String(e.typ), "message": cbor.String(e.msg), "Message": cbor.String(e.msg)}
	for k, v := range e.extra {
		body[k] = v
	}
	fault := "Sender"
	if e.status >= 500 {
		fault = "Receiver"
	}
	w.Header().Set("Content-Type", "application/cbor")
	w.Header().Set("Smithy-Protocol", "rpc-v2-cbor")
	w.Header().Set("X-Amzn-Query-Error", e.code+";"+fault)
	w.WriteHeader(e.status)
	_, _ = w.Write(cbor.Encode(body))
}

// Reading input values. Members of the wrong CBOR type read as absent.

func cwStr(m cbor.Map, k string) string {
	s, _ := m[k].(cbor.String)
	return string(s)
}

func cwList(m cbor.Map, k string) cbor.List {
	l, _ := m[k].(cbor.List)
	return l
}

func cwMapOf(v cbor.Value) cbor.Map {
	m, _ := v.(cbor.Map)
	return m
}

func cwStrs(m cbor.Map, k string) []string {
	var out []string
	for _, v := range cwList(m, k) {
		if s, ok := v.(cbor.String); ok {
			out = append(out, string(s))
		}
	}
	return out
}

func cwInt(m cbor.Map, k string) (int64, bool) {
	n, err := cbor.AsInt64(m[k])
	return n, m[k] != nil && err == nil
}

func cwFloat(v cbor.Value) (float64, bool) {
	f, err := cbor.AsFloat64(v)
	return f, v != nil && err == nil
}

func cwTime(m cbor.Map, k string) (time.Time, bool) {
	t, err := cbor.AsTime(m[k])
	return t.UTC(), m[k] != nil && err == nil
}

func cwDimsIn(l cbor.List) map[string]string {
	dims := map[string]string{}
	for _, v := range l {
		d := cwMapOf(v)
		dims[cwStr(d, "Name")] = cwStr(d, "Value")
	}
	return dims
}

// Writing output values.

func cwTimeOut(t time.Time) cbor.Value {
	return &cbor.Tag{ID: 1, Value: cbor.Float64(float64(t.UnixMilli()) / 1e3)}
}

func cwStrList(ss []string) cbor.List {
	l := cbor.List{}
	for _, s := range ss {
		l = append(l, cbor.String(s))
	}
	return l
}

func cwDimsOut(dims map[string]string) cbor.List {
	l := cbor.List{}
	for _, k := range slices.Sorted(maps.Keys(dims)) {
		l = append(l, cbor.Map{"Name": cbor.String(k), "Value": cbor.String(dims[k])})
	}
	return l
}

// Pagination: NextToken is an opaque base64 offset.

func cwToken(offset int) string {
	return base64.RawURLEncoding.EncodeToString([]byte("tocsin:" + strconv.Itoa(offset)))
}

func cwPage(in cbor.Map, total, defMax, limit int) (from, to int, next string, e *cwError) {
	size := defMax
	if n, ok := cwInt(in, "MaxRecords"); ok {
		if n < 1 || n > int64(limit) {
			return 0, 0, "", cwValidation("1 validation error detected: Value '%d' at 'maxRecords' failed to satisfy constraint: Member must have value between 1 and %d", n, limit)
		}
		size = int(n)
	}
	if tok := cwStr(in, "NextToken"); tok != "" {
		raw, err := base64.RawURLEncoding.DecodeString(tok)
		s, ok := strings.CutPrefix(string(raw), "tocsin:")
		n, aerr := strconv.Atoi(s)
		if err != nil || !ok || aerr != nil || n < 0 || n > total {
			return 0, 0, "", cwErr(400, "InvalidNextToken", "InvalidNextToken", "The service cannot process the given NextToken.")
		}
		from = n
	}
	to = min(from+size, total)
	if to < total {
		next = cwToken(to)
	}
	return from, to, next, nil
}

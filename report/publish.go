package report

import (
	"context"
	"fmt"
	"log/slog"
	"strings"
	"time"

	"github.com/aws/aws-sdk-go-v2/service/cloudwatch"
	"github.com/aws/aws-sdk-go-v2/service/cloudwatch/types"
	"github.com/tocsin-dev/tocsin/incident"
)

// PutMetricDataAPI is the CloudWatch call Publish makes; *cloudwatch.Client
// satisfies it.
type PutMetricDataAPI interface {
	PutMetricData(ctx context.Context, params *cloudwatch.PutMetricDataInput, optFns ...func(*cloudwatch.Options)) (*cloudwatch.PutMetricDataOutput, error)
}

// CloudWatch limits Publish respects. A PutMetricData request carries at most
// 1000 datums and 1 MB; a datum at most 150 distinct values. The SDK encodes
// each number in 9 bytes of CBOR, so 30,000 values with their counts stay
// near half the byte limit.
const (
	maxDatumsPerCall  = 1000
	maxValuesPerDatum = 150
	maxValuesPerCall  = 30000
	maxNamespaceLen   = 255
)

// Publish sends the summary's distributions (Summary.Samples) to CloudWatch
// as the metrics MTTD, MTTA, MTTM and MTTR in Seconds, with the dimensions
// Service and Severity, timestamped now. Each distribution goes as
// Values/Counts, so CloudWatch can compute its own percentiles; one with more
// than 150 distinct values is split over several datums. Datums are batched
// into as few calls as the limits allow. The namespace must not be empty or
// start with "AWS/", which AWS reserves. Publish stops at the first failed
// call and says which batch it was.
func Publish(ctx context.Context, cw PutMetricDataAPI, namespace string, s Summary, now time.Time) error {
	if err := validNamespace(namespace); err != nil {
		return err
	}
	batches := batchDatums(datums(s.Samples, now))
	for i, b := range batches {
		in := &cloudwatch.PutMetricDataInput{Namespace: &namespace, MetricData: b}
		if _, err := cw.PutMetricData(ctx, in); err != nil {
			return fmt.Errorf("put metric data to %s (batch %d of %d): %w", namespace, i+1, len(batches), err)
		}
	}
	return nil
}

func validNamespace(ns string) error {
	switch {
	case strings.TrimSpace(ns) == "":
		return fmt.Errorf("%w: CloudWatch namespace is empty", incident.ErrInvalid)
	case len(ns) >= 4 && strings.EqualFold(ns[:4], "AWS/"):
		return fmt.Errorf("%w: CloudWatch namespace %q starts with AWS/, which AWS reserves", incident.ErrInvalid, ns)
	case len(ns) > maxNamespaceLen:
		return fmt.Errorf("%w: CloudWatch namespace is longer than %d characters", incident.ErrInvalid, maxNamespaceLen)
	}
	return nil
}

// datums turns samples into datums of at most maxValuesPerDatum values.
func datums(samples []Sample, now time.Time) []types.MetricDatum {
	var out []types.MetricDatum
	for _, s := range samples {
		for from := 0; from < len(s.Values); from += maxValuesPerDatum {
			to := min(from+maxValuesPerDatum, len(s.Values))
			out = append(out, types.MetricDatum{
				MetricName: ptr(s.Metric),
				Unit:       types.StandardUnitSeconds,
				Timestamp:  ptr(now),
				Dimensions: []types.Dimension{
					{Name: ptr("Service"), Value: ptr(s.Service)},
					{Name: ptr("Severity"), Value: ptr(s.Severity)},
				},
				Values: s.Values[from:to],
				Counts: s.Counts[from:to],
			})
		}
	}
	return out
}

// batchDatums groups datums into calls of at most maxDatumsPerCall datums
// and maxValuesPerCall values.
func batchDatums(ds []types.MetricDatum) [][]types.MetricDatum {
	var batches [][]types.MetricDatum
	start, values := 0, 0
	for i, d := range ds {
		if i-start == maxDatumsPerCall || values+len(d.Values) > maxValuesPerCall {
			batches = append(batches, ds[start:i:i])
			start, values = i, 0
		}
		values += len(d.Values)
	}
	if start < len(ds) {
		batches = append(batches, ds[start:])
	}
	return batches
}

func ptr[T any](v T) *T { return &v }

// publishWindow is the window each publication summarizes.
const publishWindow = 30 * 24 * time.Hour

// Publisher publishes the last 30 days' metrics to CloudWatch every Every
// (an hour in tocsin), so that teams can alarm on MTTA or MTTR.
type Publisher struct {
	CW        PutMetricDataAPI
	Namespace string
	Every     time.Duration
	Incidents func(ctx context.Context) ([]incident.Incident, error)
	Now       func() time.Time
	Logger    *slog.Logger
}

// Run publishes at once and then every p.Every until ctx ends. A failed
// publication is logged and tried again at the next tick.
func (p *Publisher) Run(ctx context.Context) error {
	t := time.NewTicker(p.Every)
	defer t.Stop()
	for {
		if err := p.publishOnce(ctx); err != nil {
			p.Logger.Warn("publish metrics to CloudWatch", "err", err)
		}
		select {
		case <-ctx.Done():
			return nil
		case <-t.C:
		}
	}
}

func (p *Publisher) publishOnce(ctx context.Context) error {
	incs, err := p.Incidents(ctx)
	if err != nil {
		return err
	}
	now := p.Now()
	return Publish(ctx, p.CW, p.Namespace, Summarize(incs, now.Add(-publishWindow), now, ""), now)
}

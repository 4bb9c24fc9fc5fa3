package report

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"image"
	"image/png"
	"regexp"
	"strconv"
	"time"

	"github.com/aws/aws-sdk-go-v2/service/cloudwatch"
	"github.com/tocsin-dev/tocsin/incident"
)

// GraphAPI is the CloudWatch calls MetricGraph makes; *cloudwatch.Client
// satisfies it.
type GraphAPI interface {
	GetMetricWidgetImage(ctx context.Context, params *cloudwatch.GetMetricWidgetImageInput, optFns ...func(*cloudwatch.Options)) (*cloudwatch.GetMetricWidgetImageOutput, error)
	GetMetricData(ctx context.Context, params *cloudwatch.GetMetricDataInput, optFns ...func(*cloudwatch.Options)) (*cloudwatch.GetMetricDataOutput, error)
}

// ErrNoMetric: the alarm names no metric to graph (a composite alarm, or a
// message without its metric).
var ErrNoMetric = errors.New("alarm has no metric to graph")

// graphSpan is how much time a graph shows, centred on the state change.
const graphSpan = 3 * time.Hour

// Graph sizes MetricGraph accepts, in pixels; CloudWatch renders at most 2000.
const (
	minGraphWidth, minGraphHeight = 200, 100
	maxGraphSide                  = 2000
)

// MetricGraph returns a PNG of exactly size pixels showing the alarm's
// metric over the three hours around the state change at around, with the
// threshold and the moment of the change marked. Metric-math and anomaly
// alarms show every leg (the underlying metrics and the expressions).
//
// It asks CloudWatch to render the graph (GetMetricWidgetImage); when that
// fails (not allowed, throttled) or returns another size, it fetches the
// data (GetMetricData) and draws the graph itself. A composite alarm, or an
// alarm whose message carried no metric, gets ErrNoMetric and no API call.
func MetricGraph(ctx context.Context, cw GraphAPI, a *incident.Alarm, around time.Time, size image.Point) ([]byte, error) {
	legs, err := graphLegs(a)
	if err != nil {
		return nil, err
	}
	if size.X < minGraphWidth || size.Y < minGraphHeight || size.X > maxGraphSide || size.Y > maxGraphSide {
		return nil, fmt.Errorf("%w: graph size %dx%d must be between %dx%d and %dx%d", incident.ErrInvalid,
			size.X, size.Y, minGraphWidth, minGraphHeight, maxGraphSide, maxGraphSide)
	}
	g := graph{alarm: a, legs: legs, at: around.UTC(), size: size,
		start: around.Add(-graphSpan / 2).UTC(), end: around.Add(graphSpan / 2).UTC()}
	img, werr := g.widget(ctx, cw)
	if werr == nil {
		return img, nil
	}
	img, derr := g.draw(ctx, cw)
	if derr != nil {
		return nil, fmt.Errorf("graph alarm %s: %w", a.Name, errors.Join(werr, derr))
	}
	return img, nil
}

// graph is one graph to make.
type graph struct {
	alarm      *incident.Alarm
	legs       []incident.Metric
	at         time.Time
	start, end time.Time
	size       image.Point
}

// queryID is what CloudWatch accepts as a query id.
var queryID = regexp.MustCompile(`^[a-z][a-zA-Z0-9_]*$`)

// graphLegs returns the metrics to draw, each with a usable id and a
// statistic and period (falling back to the alarm's, then to Average over a
// minute).
func graphLegs(a *incident.Alarm) ([]incident.Metric, error) {
	if a == nil {
		return nil, ErrNoMetric
	}
	if a.Kind == incident.KindComposite {
		return nil, fmt.Errorf("%w: %s is a composite alarm", ErrNoMetric, a.Name)
	}
	var legs []incident.Metric
	if a.Metric.Name != "" {
		legs = append(legs, a.Metric)
	} else {
		for _, m := range a.Metrics {
			if m.Name != "" || m.Expression != "" {
				legs = append(legs, m)
			}
		}
	}
	if len(legs) == 0 {
		return nil, fmt.Errorf("%w: %s names no metric", ErrNoMetric, a.Name)
	}
	for i := range legs {
		m := &legs[i]
		if !queryID.MatchString(m.ID) {
			m.ID = "m" + strconv.Itoa(i+1)
		}
		if m.Stat == "" {
			m.Stat = "Average"
		}
		if m.Period <= 0 {
			m.Period = max(a.Period, 60)
		}
	}
	return legs, nil
}

// widget asks CloudWatch to render the graph and checks the image's size.
func (g graph) widget(ctx context.Context, cw GraphAPI) ([]byte, error) {
	spec, err := json.Marshal(g.widgetSpec())
	if err != nil {
		return nil, fmt.Errorf("encode metric widget: %w", err)
	}
	out, err := cw.GetMetricWidgetImage(ctx, &cloudwatch.GetMetricWidgetImageInput{
		MetricWidget: ptr(string(spec)), OutputFormat: ptr("png"),
	})
	if err != nil {
		return nil, fmt.Errorf("get metric widget image: %w", err)
	}
	cfg, err := png.DecodeConfig(bytes.NewReader(out.MetricWidgetImage))
	if err != nil {
		return nil, fmt.Errorf("decode metric widget image: %w", err)
	}
	if cfg.Width != g.size.X || cfg.Height != g.size.Y {
		return nil, fmt.Errorf("metric widget image is %dx%d, want %dx%d", cfg.Width, cfg.Height, g.size.X, g.size.Y)
	}
	return out.MetricWidgetImage, nil
}

// widgetSpec is the metric widget JSON CloudWatch documents for
// GetMetricWidgetImage.
func (g graph) widgetSpec() map[string]any {
	metrics := make([][]any, 0, len(g.legs))
	for _, m := range g.legs {
		opts := map[string]any{"id": m.ID}
		if m.Label != "" {
			opts["label"] = m.Label
		}
		if m.Expression != "" {
			opts["expression"] = m.Expression
			metrics = append(metrics, []any{opts})
			continue
		}
		opts["stat"], opts["period"] = m.Stat, m.Period
		row := []any{m.Namespace, m.Name}
		for _, d := range m.Dimensions {
			row = append(row, d.Name, d.Value)
		}
		metrics = append(metrics, append(row, opts))
	}
	annotations := map[string]any{
		"vertical": []any{map[string]any{"label": string(g.alarm.State), "value": g.at.Format(time.RFC3339)}},
	}
	if g.alarm.Threshold != nil {
		annotations["horizontal"] = []any{map[string]any{"label": "threshold", "value": *g.alarm.Threshold}}
	}
	return map[string]any{
		"title": g.alarm.Name, "view": "timeSeries", "stacked": false, "metrics": metrics,
		"width": g.size.X, "height": g.size.Y, "timezone": "+0000",
		"start": g.start.Format(time.RFC3339), "end": g.end.Format(time.RFC3339),
		"annotations": annotations, "legend": map[string]string{"position": "bottom"},
	}
}

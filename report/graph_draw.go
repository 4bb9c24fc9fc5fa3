package report

import (
	"cmp"
	"context"
	"fmt"
	"math"
	"sort"
	"time"

	"github.com/aws/aws-sdk-go-v2/service/cloudwatch"
	"github.com/aws/aws-sdk-go-v2/service/cloudwatch/types"
	"gonum.org/v1/plot"
	"gonum.org/v1/plot/plotter"
	"gonum.org/v1/plot/vg"
	"gonum.org/v1/plot/vg/draw"
)

// maxDataPages bounds the GetMetricData pages read for one graph; three
// hours of one-minute data fit in the first.
const maxDataPages = 10

// series is one line of a drawn graph.
type series struct {
	label  string
	points plotter.XYs // x in Unix seconds, ascending
}

// draw fetches the legs' data and draws the graph with gonum plot.
func (g graph) draw(ctx context.Context, cw GraphAPI) ([]byte, error) {
	ss, err := g.fetch(ctx, cw)
	if err != nil {
		return nil, err
	}
	p, err := g.plot(ss)
	if err != nil {
		return nil, err
	}
	return renderPNG(g.size, func(dc draw.Canvas) { p.Draw(dc) })
}

// fetch reads every leg over the graph's span, page by page.
func (g graph) fetch(ctx context.Context, cw GraphAPI) ([]series, error) {
	in := &cloudwatch.GetMetricDataInput{
		StartTime: ptr(g.start), EndTime: ptr(g.end),
		MetricDataQueries: g.queries(), ScanBy: types.ScanByTimestampAscending,
	}
	byID := map[string]*series{}
	for page := 0; page < maxDataPages; page++ {
		out, err := cw.GetMetricData(ctx, in)
		if err != nil {
			return nil, fmt.Errorf("get metric data: %w", err)
		}
		for _, r := range out.MetricDataResults {
			s := byID[deref(r.Id)]
			if s == nil {
				s = &series{label: deref(r.Label)}
				byID[deref(r.Id)] = s
			}
			for i := range min(len(r.Timestamps), len(r.Values)) {
				s.points = append(s.points, plotter.XY{X: float64(r.Timestamps[i].Unix()), Y: r.Values[i]})
			}
		}
		if out.NextToken == nil {
			break
		}
		in.NextToken = out.NextToken
	}
	out := make([]series, 0, len(g.legs))
	for _, m := range g.legs {
		if s := byID[m.ID]; s != nil {
			sort.Slice(s.points, func(i, j int) bool { return s.points[i].X < s.points[j].X })
			s.label = cmp.Or(m.Label, s.label, m.Name, m.ID)
			out = append(out, *s)
		}
	}
	return out, nil
}

// queries asks for every leg, underlying metrics included, so that a math
// alarm shows what its expression is made of.
func (g graph) queries() []types.MetricDataQuery {
	qs := make([]types.MetricDataQuery, 0, len(g.legs))
	for _, m := range g.legs {
		q := types.MetricDataQuery{Id: ptr(m.ID), ReturnData: ptr(true)}
		if m.Label != "" {
			q.Label = ptr(m.Label)
		}
		if m.Expression != "" {
			q.Expression = ptr(m.Expression)
			q.Period = ptr(int32(m.Period))
			qs = append(qs, q)
			continue
		}
		dims := make([]types.Dimension, len(m.Dimensions))
		for i, d := range m.Dimensions {
			dims[i] = types.Dimension{Name: ptr(d.Name), Value: ptr(d.Value)}
		}
		q.MetricStat = &types.MetricStat{
			Metric: &types.Metric{Namespace: ptr(m.Namespace), MetricName: ptr(m.Name), Dimensions: dims},
			Period: ptr(int32(m.Period)), Stat: ptr(m.Stat),
		}
		qs = append(qs, q)
	}
	return qs
}

// plot lays out the series, the threshold and the state change.
func (g graph) plot(ss []series) (*plot.Plot, error) {
	p := plot.New()
	p.Title.Text = g.alarm.Name
	p.X.Tick.Marker = clockTicks{step: 30 * time.Minute}
	p.X.Label.Text = "UTC"
	p.Legend.Top = true
	p.Add(plotter.NewGrid())
	lo, hi := math.Inf(1), math.Inf(-1)
	for i, s := range ss {
		if len(s.points) == 0 {
			continue
		}
		line, err := plotter.NewLine(s.points)
		if err != nil {
			return nil, fmt.Errorf("plot %s: %w", s.label, err)
		}
		line.Color, line.Width = palette[i%len(palette)], vg.Points(1.5)
		p.Add(line)
		p.Legend.Add(s.label, line)
		for _, pt := range s.points {
			lo, hi = math.Min(lo, pt.Y), math.Max(hi, pt.Y)
		}
	}
	if th := g.alarm.Threshold; th != nil {
		lo, hi = math.Min(lo, *th), math.Max(hi, *th)
	}
	if math.IsInf(lo, 1) {
		lo, hi = 0, 1
		p.Title.Text += " (no data)"
	}
	pad := math.Max((hi-lo)*0.1, 1e-9)
	lo, hi = lo-pad, hi+pad
	x0, x1, at := float64(g.start.Unix()), float64(g.end.Unix()), float64(g.at.Unix())
	if err := g.marks(p, x0, x1, at, lo, hi); err != nil {
		return nil, err
	}
	p.X.Min, p.X.Max, p.Y.Min, p.Y.Max = x0, x1, lo, hi
	return p, nil
}

// marks adds the horizontal threshold line and the vertical line at the
// state change.
func (g graph) marks(p *plot.Plot, x0, x1, at, lo, hi float64) error {
	if th := g.alarm.Threshold; th != nil {
		line, err := plotter.NewLine(plotter.XYs{{X: x0, Y: *th}, {X: x1, Y: *th}})
		if err != nil {
			return fmt.Errorf("plot threshold: %w", err)
		}
		line.Color, line.Dashes = colorThreshold, []vg.Length{vg.Points(6), vg.Points(3)}
		p.Add(line)
		p.Legend.Add(fmt.Sprintf("threshold %g", *th), line)
	}
	line, err := plotter.NewLine(plotter.XYs{{X: at, Y: lo}, {X: at, Y: hi}})
	if err != nil {
		return fmt.Errorf("plot state change: %w", err)
	}
	line.Color, line.Dashes = colorMarker, []vg.Length{vg.Points(2), vg.Points(2)}
	p.Add(line)
	p.Legend.Add(string(g.alarm.State)+" at "+g.at.Format("15:04"), line)
	return nil
}

func deref(s *string) string {
	if s == nil {
		return ""
	}
	return *s
}

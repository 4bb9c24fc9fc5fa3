package sim

import (
	"bytes"
	"encoding/json"
	"image"
	"image/color"
	"image/draw"
	"image/png"
	"regexp"
	"strconv"
	"time"

	"github.com/aws/smithy-go/encoding/cbor"
)

// This file answers GetMetricWidgetImage with a real PNG: white background,
// grid, axes, red horizontal annotations and one polyline per metric. There
// is no text; the bot only needs a plausible image of the right size.

type cwWidget struct {
	Metrics     [][]any `json:"metrics"`
	Width       int     `json:"width"`
	Height      int     `json:"height"`
	Start       string  `json:"start"`
	End         string  `json:"end"`
	Period      int32   `json:"period"`
	Stat        string  `json:"stat"`
	Annotations struct {
		Horizontal []json.RawMessage `json:"horizontal"`
	} `json:"annotations"`
}

type cwWidgetMetric struct {
	ns, name string
	dims     map[string]string
	stat     string
	period   int32
}

var cwISODuration = regexp.MustCompile(`^(-)?P(?:(\d+)W)?(?:(\d+)D)?(?:T(?:(\d+)H)?(?:(\d+)M)?(?:(\d+)S)?)?$`)

var cwPalette = []color.RGBA{
	{0x1f, 0x77, 0xb4, 0xff}, {0xff, 0x7f, 0x0e, 0xff}, {0x2c, 0xa0, 0x2c, 0xff},
	{0x94, 0x67, 0xbd, 0xff}, {0x8c, 0x56, 0x4b, 0xff}, {0xe3, 0x77, 0xc2, 0xff},
}

func (cw *CloudWatch) getMetricWidgetImage(in cbor.Map, now time.Time) (cbor.Map, *cwError) {
	raw := cwStr(in, "MetricWidget")
	if raw == "" {
		return nil, cwMissing("MetricWidget")
	}
	if f := cwStr(in, "OutputFormat"); f != "" && f != "png" {
		return nil, cwInvalidValue("The value %s for parameter OutputFormat is invalid. The tocsin stand-in supports png only.", f)
	}
	var wd cwWidget
	if err := json.Unmarshal([]byte(raw), &wd); err != nil {
		return nil, cwInvalidValue("The parameter MetricWidget must be a valid JSON object: %v", err)
	}
	wd.Width, wd.Height = cwOrInt(wd.Width, 600), cwOrInt(wd.Height, 395)
	if wd.Width < 1 || wd.Width > 2000 || wd.Height < 1 || wd.Height > 2000 {
		return nil, cwInvalidValue("The widget width and height must be between 1 and 2000 pixels.")
	}
	start, err1 := cwWidgetTime(wd.Start, now, now.Add(-3*time.Hour))
	end, err2 := cwWidgetTime(wd.End, now, now)
	if err1 != nil || err2 != nil || !start.Before(end) {
		return nil, cwInvalidValue("The widget start and end must be ISO 8601 times or durations with start before end.")
	}
	metrics, e := cwWidgetMetrics(wd)
	if e != nil {
		return nil, e
	}
	series := make([][]cwBucket, len(metrics))
	for i, m := range metrics {
		series[i] = cw.seriesLocked(m.ns, m.name, m.dims, m.stat, m.period, start, end, now)
	}
	img := cwDrawChart(wd.Width, wd.Height, start, end, series, cwAnnotations(wd))
	var buf bytes.Buffer
	if err := png.Encode(&buf, img); err != nil {
		return nil, cwErr(500, "InternalServiceFault", "InternalServiceError", "encode png: "+err.Error())
	}
	return cbor.Map{"MetricWidgetImage": cbor.Slice(buf.Bytes())}, nil
}

func cwOrInt(v, def int) int {
	if v == 0 {
		return def
	}
	return v
}

// cwWidgetTime parses an absolute RFC 3339 time or an ISO 8601 duration
// relative to now (e.g. -PT3H); empty means def.
func cwWidgetTime(s string, now, def time.Time) (time.Time, error) {
	if s == "" {
		return def, nil
	}
	m := cwISODuration.FindStringSubmatch(s)
	if m == nil {
		return time.Parse(time.RFC3339, s)
	}
	var d time.Duration
	for i, unit := range []time.Duration{7 * 24 * time.Hour, 24 * time.Hour, time.Hour, time.Minute, time.Second} {
		n, _ := strconv.Atoi(m[i+2]) // empty groups parse as 0
		d += time.Duration(n) * unit
	}
	if m[1] == "-" {
		d = -d
	}
	return now.Add(d), nil
}

// cwWidgetMetrics expands the "metrics" rows, honouring the "." and "..."
// shorthands for repeating the previous row. Expression rows are skipped.
func cwWidgetMetrics(wd cwWidget) ([]cwWidgetMetric, *cwError) {
	var out []cwWidgetMetric
	var prev []string
	for i, row := range wd.Metrics {
		var parts []string
		opts := map[string]any{}
		for _, el := range row {
			switch v := el.(type) {
			case string:
				parts = append(parts, v)
			case map[string]any:
				opts = v
			}
		}
		if _, isExpr := opts["expression"]; isExpr && len(parts) == 0 {
			continue
		}
		parts = cwExpandRow(parts, prev)
		prev = parts
		if len(parts) < 2 || len(parts)%2 != 0 {
			return nil, cwInvalidValue("The metrics row %d of MetricWidget must be [namespace, name, dimension name, value, ...].", i+1)
		}
		m := cwWidgetMetric{ns: parts[0], name: parts[1], dims: map[string]string{},
			stat: cwOr(wd.Stat, "Average"), period: max(wd.Period, 0)}
		for j := 2; j < len(parts); j += 2 {
			m.dims[parts[j]] = parts[j+1]
		}
		if s, ok := opts["stat"].(string); ok {
			m.stat = s
		}
		if p, ok := opts["period"].(float64); ok && p >= 1 {
			m.period = int32(p)
		}
		if m.period == 0 {
			m.period = 300
		}
		out = append(out, m)
	}
	return out, nil
}

func cwExpandRow(parts, prev []string) []string {
	var out []string
	for i, p := range parts {
		switch {
		case p == "..." && len(prev) > len(out):
			end := max(len(prev)-(len(parts)-i-1), len(out))
			out = append(out, prev[len(out):end]...)
		case p == "." && len(prev) > len(out):
			out = append(out, prev[len(out)])
		default:
			out = append(out, p)
		}
	}
	return out
}

func cwAnnotations(wd cwWidget) []float64 {
	var out []float64
	for _, raw := range wd.Annotations.Horizontal {
		var a struct {
			Value *float64 `json:"value"`
		}
		if json.Unmarshal(raw, &a) == nil && a.Value != nil {
			out = append(out, *a.Value)
		}
	}
	return out
}

func cwDrawChart(w, h int, start, end time.Time, series [][]cwBucket, lines []float64) *image.RGBA {
	img := image.NewRGBA(image.Rect(0, 0, w, h))
	draw.Draw(img, img.Bounds(), image.White, image.Point{}, draw.Src)
	plot := image.Rect(min(50, w/5), min(20, h/10), w-1-min(10, w/20), h-1-min(25, h/8))
	hi := 0.0
	for _, s := range series {
		for _, b := range s {
			hi = max(hi, b.v)
		}
	}
	for _, v := range lines {
		hi = max(hi, v)
	}
	hi = max(hi*1.1, 1)
	y := func(v float64) int { return plot.Max.Y - int(v/hi*float64(plot.Dy())) }
	x := func(t time.Time) int {
		return plot.Min.X + int(float64(plot.Dx())*t.Sub(start).Seconds()/end.Sub(start).Seconds())
	}
	grid, axis, red := color.RGBA{0xe4, 0xe4, 0xe4, 0xff}, color.RGBA{0x55, 0x55, 0x55, 0xff}, color.RGBA{0xd6, 0x27, 0x28, 0xff}
	for i := 1; i <= 4; i++ {
		gy := plot.Max.Y - i*plot.Dy()/4
		cwLine(img, plot.Min.X, gy, plot.Max.X, gy, grid, 0)
	}
	for _, v := range lines {
		cwLine(img, plot.Min.X, y(v), plot.Max.X, y(v), red, 6)
	}
	for i, s := range series {
		c := cwPalette[i%len(cwPalette)]
		for j := 1; j < len(s); j++ {
			cwLine(img, x(s[j-1].t), y(s[j-1].v), x(s[j].t), y(s[j].v), c, 0)
			cwLine(img, x(s[j-1].t), y(s[j-1].v)+1, x(s[j].t), y(s[j].v)+1, c, 0)
		}
	}
	cwLine(img, plot.Min.X, plot.Min.Y, plot.Min.X, plot.Max.Y, axis, 0)
	cwLine(img, plot.Min.X, plot.Max.Y, plot.Max.X, plot.Max.Y, axis, 0)
	return img
}

// cwLine draws with Bresenham's algorithm; dash > 0 leaves gaps of that many
// pixels. Points outside the image are dropped by Set.
func cwLine(img *image.RGBA, x0, y0, x1, y1 int, c color.RGBA, dash int) {
	dx, dy := cwAbs(x1-x0), -cwAbs(y1-y0)
	sx, sy := cwSign(x1-x0), cwSign(y1-y0)
	e := dx + dy
	for n := 0; ; n++ {
		if dash == 0 || (n/dash)%2 == 0 {
			img.SetRGBA(x0, y0, c)
		}
		if x0 == x1 && y0 == y1 {
			return
		}
		e2 := 2 * e
		if e2 >= dy {
			e += dy
			x0 += sx
		}
		if e2 <= dx {
			e += dx
			y0 += sy
		}
	}
}

func cwAbs(v int) int { return max(v, -v) }

func cwSign(v int) int {
	switch {
	case v < 0:
		return -1
	case v > 0:
		return 1
	}
	return 0
}

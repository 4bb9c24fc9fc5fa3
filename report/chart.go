package report

import (
	"bytes"
	"fmt"
	"image"
	"image/color"
	"image/png"
	"math"
	"strconv"
	"time"

	"gonum.org/v1/plot"
	"gonum.org/v1/plot/plotter"
	"gonum.org/v1/plot/vg"
	"gonum.org/v1/plot/vg/draw"
	"gonum.org/v1/plot/vg/vgimg"
)

// chartDPI is the resolution charts are drawn at; sizes are in pixels.
const chartDPI = 96

// Colours of chart lines. The threshold's red is kept out of the palette.
var (
	colorSeries    = color.RGBA{R: 0x1f, G: 0x77, B: 0xb4, A: 0xff}
	colorSecond    = color.RGBA{R: 0xff, G: 0x7f, B: 0x0e, A: 0xff}
	colorThreshold = color.RGBA{R: 0xd6, G: 0x27, B: 0x28, A: 0xff}
	colorMarker    = color.RGBA{R: 0x55, G: 0x55, B: 0x55, A: 0xff}
	palette        = []color.Color{colorSeries, colorSecond,
		color.RGBA{R: 0x2c, G: 0xa0, B: 0x2c, A: 0xff}, color.RGBA{R: 0x94, G: 0x67, B: 0xbd, A: 0xff},
		color.RGBA{R: 0x8c, G: 0x56, B: 0x4b, A: 0xff}, color.RGBA{R: 0x17, G: 0xbe, B: 0xcf, A: 0xff}}
)

// renderPNG draws with fn on a white canvas of exactly size pixels and
// encodes it as PNG.
func renderPNG(size image.Point, fn func(draw.Canvas)) ([]byte, error) {
	if size.X <= 0 || size.Y <= 0 {
		return nil, fmt.Errorf("draw chart: size %dx%d is not positive", size.X, size.Y)
	}
	c := vgimg.NewWith(vgimg.UseImage(image.NewRGBA(image.Rect(0, 0, size.X, size.Y))), vgimg.UseDPI(chartDPI))
	fn(draw.New(c))
	var buf bytes.Buffer
	if err := png.Encode(&buf, c.Image()); err != nil {
		return nil, fmt.Errorf("encode chart as PNG: %w", err)
	}
	return buf.Bytes(), nil
}

// weeklyPlot is a line over the weeks of a trend, labelled by week start.
// Weeks without a value are left out of the line rather than drawn as 0.
func weeklyPlot(title string, points plotter.XYs, labels []string, c color.Color) (*plot.Plot, error) {
	p := plot.New()
	p.Title.Text = title
	ticks := make([]plot.Tick, len(labels))
	for i, l := range labels {
		ticks[i] = plot.Tick{Value: float64(i), Label: l}
	}
	p.X.Tick.Marker = plot.ConstantTicks(ticks)
	p.Add(plotter.NewGrid())
	if len(points) > 0 {
		line, dots, err := plotter.NewLinePoints(points)
		if err != nil {
			return nil, fmt.Errorf("plot %s: %w", title, err)
		}
		line.Color, dots.Color = c, c
		line.Width = vg.Points(2)
		p.Add(line, dots)
	}
	p.X.Min, p.X.Max = -0.3, float64(len(labels))-0.7
	p.Y.Min = 0
	p.Y.Max = max(p.Y.Max*1.1, 1)
	return p, nil
}

// intTicks labels an axis of counts with whole numbers only.
type intTicks struct{}

// Ticks returns about five whole-number ticks between lo and hi.
func (intTicks) Ticks(lo, hi float64) []plot.Tick {
	step := math.Max(1, math.Ceil((hi-lo)/5))
	var ticks []plot.Tick
	for v := math.Ceil(lo); v <= hi; v += step {
		ticks = append(ticks, plot.Tick{Value: v, Label: strconv.Itoa(int(v))})
	}
	return ticks
}

// clockTicks labels a time axis (Unix seconds) at whole multiples of step,
// as UTC clock times.
type clockTicks struct{ step time.Duration }

// Ticks returns a tick at every multiple of the step between lo and hi.
func (c clockTicks) Ticks(lo, hi float64) []plot.Tick {
	step := c.step.Seconds()
	var ticks []plot.Tick
	for v := math.Ceil(lo/step) * step; v <= hi; v += step {
		ticks = append(ticks, plot.Tick{Value: v, Label: time.Unix(int64(v), 0).UTC().Format("15:04")})
	}
	return ticks
}

package sim

import (
	"bytes"
	"context"
	"errors"
	"image"
	"image/color"
	"image/png"
	"testing"
	"time"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/cloudwatch"
	"github.com/aws/aws-sdk-go-v2/service/cloudwatch/types"
	"github.com/google/go-cmp/cmp"
)

func TestCloudWatch_GetMetricWidgetImage(t *testing.T) {
	cw, _, client := cwMustServer(t)
	cwSeedAlarms(cw)
	ctx := context.Background()
	for _, tc := range []struct {
		name, widget string
		w, h         int
	}{
		{"Default", `{"metrics":[["AWS/RDS","CPUUtilization"]]}`, 600, 395},
		{"Sized", `{"width":800,"height":300,"start":"-PT6H","period":60,"stat":"Maximum",
			"metrics":[["AWS/EC2","CPUUtilization","InstanceId","i-0abc"],["...","i-0def",{"stat":"Average"}],[{"expression":"m1+m2"}]],
			"annotations":{"horizontal":[{"label":"limit","value":80}]}}`, 800, 300},
	} {
		t.Run(tc.name, func(t *testing.T) {
			out, err := client.GetMetricWidgetImage(ctx, &cloudwatch.GetMetricWidgetImageInput{MetricWidget: aws.String(tc.widget), OutputFormat: aws.String("png")})
			if err != nil {
				t.Fatal(err)
			}
			img, err := png.Decode(bytes.NewReader(out.MetricWidgetImage))
			if err != nil {
				t.Fatal(err)
			}
			if b := img.Bounds(); b.Dx() != tc.w || b.Dy() != tc.h {
				t.Errorf("size %dx%d, want %dx%d", b.Dx(), b.Dy(), tc.w, tc.h)
			}
			if !cwHasColor(img, cwPalette[0]) {
				t.Error("no pixel of the first series colour: nothing plotted")
			}
		})
	}
}

func cwHasColor(img image.Image, want color.RGBA) bool {
	b := img.Bounds()
	for y := b.Min.Y; y < b.Max.Y; y++ {
		for x := b.Min.X; x < b.Max.X; x++ {
			if color.RGBAModel.Convert(img.At(x, y)) == want {
				return true
			}
		}
	}
	return false
}

func TestCloudWatch_GetMetricWidgetImage_Invalid(t *testing.T) {
	_, _, client := cwMustServer(t)
	ctx := context.Background()
	for _, tc := range []struct{ name, widget, format string }{
		{"NotPNG", `{"metrics":[]}`, "jpeg"},
		{"BadJSON", `{"metrics":`, "png"},
		{"TooWide", `{"width":5000}`, ""},
	} {
		t.Run(tc.name, func(t *testing.T) {
			in := &cloudwatch.GetMetricWidgetImageInput{MetricWidget: aws.String(tc.widget)}
			if tc.format != "" {
				in.OutputFormat = aws.String(tc.format)
			}
			_, err := client.GetMetricWidgetImage(ctx, in)
			var ipv *types.InvalidParameterValueException
			if !errors.As(err, &ipv) {
				t.Fatalf("err = %v, want InvalidParameterValue", err)
			}
		})
	}
}

func TestCWExpandRow(t *testing.T) {
	prev := []string{"AWS/EC2", "CPUUtilization", "InstanceId", "i-1"}
	for _, tc := range []struct {
		in, want []string
	}{
		{[]string{"...", "i-2"}, []string{"AWS/EC2", "CPUUtilization", "InstanceId", "i-2"}},
		{[]string{".", "NetworkIn", "..."}, []string{"AWS/EC2", "NetworkIn", "InstanceId", "i-1"}},
		{[]string{"App", "Latency"}, []string{"App", "Latency"}},
	} {
		if diff := cmp.Diff(tc.want, cwExpandRow(tc.in, prev)); diff != "" {
			t.Errorf("cwExpandRow(%q) (-want +got):\n%s", tc.in, diff)
		}
	}
}

func TestCWWidgetTime(t *testing.T) {
	for _, tc := range []struct {
		in   string
		want time.Time
	}{
		{"", cwT0.Add(-time.Hour)},
		{"-PT3H", cwT0.Add(-3 * time.Hour)},
		{"-P1DT30M", cwT0.Add(-24*time.Hour - 30*time.Minute)},
		{"P0D", cwT0},
		{"2026-03-10T12:00:00Z", cwT0.Add(-2 * time.Hour)},
	} {
		got, err := cwWidgetTime(tc.in, cwT0, cwT0.Add(-time.Hour))
		if err != nil || !got.Equal(tc.want) {
			t.Errorf("cwWidgetTime(%q) = %v, %v; want %v", tc.in, got, err, tc.want)
		}
	}
}

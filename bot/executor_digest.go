package bot

import (
	"bytes"
	"context"
	"encoding/base64"
	"fmt"

	"github.com/slack-go/slack"

	"github.com/tocsin-dev/tocsin/dispatch"
	"github.com/tocsin-dev/tocsin/incident"
)

// digest performs a slack.digest effect, which belongs to no incident. Its
// text part posts the weekly digest to Data "channel" — once, like every
// top-level message: an attempt in doubt looks for it first — and hands
// the chart (Data "chart", a base64 PNG) to a chart part of its own, so
// that a failed upload never posts the text again. The chart is uploaded
// at least once.
func (e *Executor) digest(ctx context.Context, eff incident.Effect, _ incident.Incident) (dispatch.Outcome, error) {
	ch := eff.Data["channel"]
	if ch == "" {
		return dispatch.Outcome{}, fmt.Errorf("%w: a digest needs a channel", dispatch.ErrPermanent)
	}
	if eff.Data["part"] == "chart" {
		return dispatch.Outcome{}, e.digestChart(ctx, ch, eff.Data["chart"])
	}
	if err := e.postTo(ctx, eff, ch, eff.Data["text"]); err != nil {
		return dispatch.Outcome{}, err
	}
	var out dispatch.Outcome
	if chart := eff.Data["chart"]; chart != "" {
		out.Then = []incident.Effect{{Kind: dispatch.EffSlackDigest, CreatedAt: e.now().UTC(),
			Data: map[string]string{"channel": ch, "part": "chart", "chart": chart}}}
	}
	return out, nil
}

// digestChart uploads the digest's eight-week trend chart.
func (e *Executor) digestChart(ctx context.Context, ch, chart string) error {
	png, err := base64.StdEncoding.DecodeString(chart)
	if err != nil || len(png) == 0 {
		return fmt.Errorf("%w: the digest chart is not a base64 PNG", dispatch.ErrPermanent)
	}
	if err := e.wait(call{method: "files.getUploadURLExternal"}, call{method: "files.completeUploadExternal"}); err != nil {
		return err
	}
	_, err = e.api.UploadFileContext(ctx, slack.UploadFileParameters{Channel: ch, Filename: "tocsin-trend.png",
		Title: "Eight-week trend", Reader: bytes.NewReader(png), FileSize: len(png)})
	if err != nil {
		return fmt.Errorf("upload the digest chart: %w", err)
	}
	return nil
}

package e2e

import (
	"testing"
	"time"

	"github.com/tocsin-dev/tocsin/incident"
	"github.com/tocsin-dev/tocsin/intake"
	"github.com/tocsin-dev/tocsin/sim"
)

// TestRefineImpactStart: the notification names one breaching datapoint;
// CloudWatch's data shows the breach began earlier. After the 200, tocsin
// moves StartedAt back to the first breaching datapoint and says how.
func TestRefineImpactStart(t *testing.T) {
	now := time.Now().UTC().Truncate(time.Minute)
	cw := sim.NewCloudWatch(sim.CloudWatchOptions{})
	var pts []sim.CWPoint
	for m := 30; m >= 0; m-- { // below the threshold of 5 until 12 minutes ago, above since
		v := 1.0
		if m <= 12 {
			v = 20
		}
		pts = append(pts, sim.CWPoint{T: now.Add(-time.Duration(m) * time.Minute), V: v})
	}
	cw.PutSeries("Test/Storm", "HTTPCode_Target_5XX_Count", map[string]string{"Service": "orders"}, pts)
	h := Start(t, Options{AWS: &sim.AWS{CloudWatch: cw}})
	h.MustPostSNS(h.Notification("refine-1", AlarmMessage("orders-5xx", "orders", "ALARM", "OK", now)))
	want := now.Add(-12 * time.Minute)
	var inc incident.Incident
	h.WaitFor("the refined impact start", func() bool {
		incs := h.Incidents()
		if len(incs) == 1 {
			inc = incs[0]
		}
		return inc.StartMethod == intake.MethodGetMetricData
	})
	if !inc.StartedAt.Equal(want) {
		t.Errorf("StartedAt = %v, want %v (the first breaching datapoint)", inc.StartedAt, want)
	}
	if d, ok := inc.Duration(incident.MTTD); !ok || d != 12*time.Minute {
		t.Errorf("MTTD = %v %v, want 12m", d, ok)
	}
}

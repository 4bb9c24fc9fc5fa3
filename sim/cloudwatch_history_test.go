package sim

import (
	"context"
	"encoding/json"
	"errors"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/cloudwatch"
	"github.com/aws/aws-sdk-go-v2/service/cloudwatch/types"
	"github.com/google/go-cmp/cmp"
)

// cwAWSHistoryData is HistoryData from AWS's documented StateUpdate example
// (aws-cli examples, cloudwatch describe-alarm-history).
const cwAWSHistoryData = `{"version":"1.0","oldState":{"stateValue":"ALARM","stateReason":"testing purposes"},"newState":{"stateValue":"OK","stateReason":"Threshold Crossed: 2 datapoints were not greater than the threshold (70.0). The most recent datapoints: [38.958, 40.292].","stateReasonData":{"version":"1.0","queryDate":"2014-04-09T18:59:06.419+0000","startDate":"2014-04-09T18:44:00.000+0000","statistic":"Average","period":300,"recentDatapoints":[38.958,40.292],"threshold":70.0}}}`

func TestCloudWatch_DescribeAlarmHistory(t *testing.T) {
	cw, _, client := cwMustServer(t)
	cwSeedAlarms(cw)
	t1, t2 := cwT0.Add(-10*time.Minute), cwT0.Add(-2*time.Minute)
	if err := cw.SetAlarmState("db-cpu", CWStateAlarm, "", t1); err != nil {
		t.Fatal(err)
	}
	if err := cw.SetAlarmState("db-cpu", CWStateOK, "recovered", t2); err != nil {
		t.Fatal(err)
	}
	if err := cw.SetAlarmState("missing", CWStateOK, "", t2); !errors.Is(err, ErrCWAlarmNotFound) {
		t.Fatalf("SetAlarmState(missing) = %v, want ErrCWAlarmNotFound", err)
	}
	out, err := client.DescribeAlarmHistory(context.Background(), &cloudwatch.DescribeAlarmHistoryInput{
		AlarmName: aws.String("db-cpu"), HistoryItemType: types.HistoryItemTypeStateUpdate})
	if err != nil {
		t.Fatal(err)
	}
	var got []string
	for _, h := range out.AlarmHistoryItems {
		got = append(got, h.Timestamp.UTC().Format("15:04 ")+aws.ToString(h.HistorySummary))
	}
	if diff := cmp.Diff([]string{"13:58 Alarm updated from ALARM to OK", "13:50 Alarm updated from OK to ALARM"}, got); diff != "" {
		t.Errorf("StateUpdate items, newest first (-want +got):\n%s", diff)
	}
	t.Run("HistoryDataShape", func(t *testing.T) {
		cwCheckHistoryShape(t, aws.ToString(out.AlarmHistoryItems[0].HistoryData))
	})
	t.Run("BreachInReasonData", func(t *testing.T) {
		cwCheckBreach(t, aws.ToString(out.AlarmHistoryItems[1].HistoryData))
	})
	t.Run("AlarmReflectsState", func(t *testing.T) { cwCheckAlarmState(t, client, t2) })
	t.Run("AscendingWithConfigUpdates", func(t *testing.T) { cwCheckAscending(t, client, t1) })
}

func cwCheckAscending(t *testing.T, client *cloudwatch.Client, since time.Time) {
	t.Helper()
	asc, err := client.DescribeAlarmHistory(context.Background(), &cloudwatch.DescribeAlarmHistoryInput{
		AlarmName: aws.String("db-cpu"), ScanBy: types.ScanByTimestampAscending, StartDate: aws.Time(since)})
	if err != nil {
		t.Fatal(err)
	}
	var kinds []types.HistoryItemType
	for _, h := range asc.AlarmHistoryItems {
		kinds = append(kinds, h.HistoryItemType)
	}
	want := []types.HistoryItemType{types.HistoryItemTypeStateUpdate, types.HistoryItemTypeStateUpdate, types.HistoryItemTypeConfigurationUpdate}
	if diff := cmp.Diff(want, kinds); diff != "" {
		t.Errorf("kinds (-want +got):\n%s", diff)
	}
}

// cwCheckBreach checks that an OK->ALARM item carries breaching datapoints.
func cwCheckBreach(t *testing.T, data string) {
	t.Helper()
	var hd struct {
		NewState struct {
			StateReason     string
			StateReasonData struct {
				RecentDatapoints []float64
				Threshold        float64
			}
		}
	}
	if err := json.Unmarshal([]byte(data), &hd); err != nil {
		t.Fatal(err)
	}
	rd := hd.NewState.StateReasonData
	if len(rd.RecentDatapoints) == 0 || slices.Max(rd.RecentDatapoints) <= rd.Threshold {
		t.Errorf("OK->ALARM datapoints %v do not breach %v", rd.RecentDatapoints, rd.Threshold)
	}
	if !strings.HasPrefix(hd.NewState.StateReason, "Threshold Crossed") {
		t.Errorf("default reason = %q", hd.NewState.StateReason)
	}
}

func cwCheckAlarmState(t *testing.T, client *cloudwatch.Client, transitioned time.Time) {
	t.Helper()
	d, err := client.DescribeAlarms(context.Background(), &cloudwatch.DescribeAlarmsInput{AlarmNames: []string{"db-cpu"}})
	if err != nil {
		t.Fatal(err)
	}
	a := d.MetricAlarms[0]
	got := []any{a.StateValue, aws.ToString(a.StateReason), a.StateTransitionedTimestamp.UTC(), json.Valid([]byte(aws.ToString(a.StateReasonData)))}
	if diff := cmp.Diff([]any{types.StateValueOk, "recovered", transitioned, true}, got); diff != "" {
		t.Errorf("alarm (-want +got):\n%s", diff)
	}
}

// cwCheckHistoryShape compares the JSON keys of a StateUpdate HistoryData with
// AWS's example; evaluatedDatapoints is the newer field AWS adds.
func cwCheckHistoryShape(t *testing.T, data string) {
	t.Helper()
	want := append(cwHistoryKeys(t, cwAWSHistoryData), "stateReasonData.evaluatedDatapoints")
	slices.Sort(want)
	if diff := cmp.Diff(want, cwHistoryKeys(t, data)); diff != "" {
		t.Errorf("HistoryData keys (-aws example +got):\n%s", diff)
	}
}

func cwHistoryKeys(t *testing.T, s string) []string {
	t.Helper()
	var v struct{ OldState, NewState map[string]json.RawMessage }
	if err := json.Unmarshal([]byte(s), &v); err != nil {
		t.Fatalf("HistoryData %q: %v", s, err)
	}
	var rd map[string]json.RawMessage
	_ = json.Unmarshal(v.NewState["stateReasonData"], &rd)
	var out []string
	for k := range v.NewState {
		out = append(out, "newState."+k)
	}
	for k := range rd {
		out = append(out, "stateReasonData."+k)
	}
	slices.Sort(out)
	return out
}

package report
import ("context";"errors";"image";"os";"testing")
func TestWriteGraphPNG(t *testing.T) {
	cw := &fakeGraphAPI{widgetErr: errors.New("x"), pages: dataPages("e1", "m1", "m2")}
	b, err := MetricGraph(context.Background(), cw, mathAlarm(), breach, image.Pt(800, 400))
	if err != nil { t.Fatal(err) }
	os.WriteFile("/tmp/graph.png", b, 0o644)
}

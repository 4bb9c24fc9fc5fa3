package promreg_test

import (
	"testing"

	"github.com/prometheus/client_golang/prometheus"

	"github.com/tocsin-dev/tocsin/promreg"
)

func newCounter() *prometheus.CounterVec {
	return prometheus.NewCounterVec(prometheus.CounterOpts{Name: "tocsin_test_total", Help: "A test counter."}, []string{"reason"})
}

// TestRegister: the first registration returns its collector, a second of
// the same description returns the first, and a clash of another kind is an
// error.
func TestRegister(t *testing.T) {
	reg := prometheus.NewRegistry()
	first := newCounter()
	got, err := promreg.Register(reg, first)
	if err != nil || got != first {
		t.Fatalf("first Register = %p, %v; want %p, nil", got, err, first)
	}
	got, err = promreg.Register(reg, newCounter())
	if err != nil || got != first {
		t.Fatalf("second Register = %p, %v; want the first counter %p", got, err, first)
	}
	clash := prometheus.NewCounterVec(prometheus.CounterOpts{Name: "tocsin_test_total", Help: "Another help."}, []string{"other"})
	if got, err := promreg.Register(reg, clash); err == nil || got != nil {
		t.Errorf("clashing Register = %p, %v; want nil and an error", got, err)
	}
}

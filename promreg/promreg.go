// Package promreg registers tocsin's Prometheus collectors with the
// registry they are given, so that two components built on one registry
// (two handlers, two Routes in a test) count into one collector instead of
// failing on the second registration. It imports only the Prometheus
// client.
package promreg

import (
	"errors"

	"github.com/prometheus/client_golang/prometheus"
)

// Register registers c with reg and returns it; when reg already holds a
// collector of the same description and type, it returns that one instead,
// so the caller counts into it. Any other failure is returned.
func Register[C prometheus.Collector](reg prometheus.Registerer, c C) (C, error) {
	err := reg.Register(c)
	if err == nil {
		return c, nil
	}
	var dup prometheus.AlreadyRegisteredError
	if errors.As(err, &dup) {
		if existing, ok := dup.ExistingCollector.(C); ok {
			return existing, nil
		}
	}
	var zero C
	return zero, err
}

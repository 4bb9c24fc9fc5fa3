package main

import (
	"strconv"
	"time"
)

func parseFloat(s string) (float64, error) { return strconv.ParseFloat(s, 64) }

func atoi(s string) (int, error) { return strconv.Atoi(s) }

func parseEventTime(s string) time.Time {
	t, _ := time.Parse(time.RFC3339Nano, s)
	return t
}

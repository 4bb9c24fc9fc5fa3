package store_test

import (
	"bufio"
	"io"
	"strings"
	"testing"
)

func readAcks(t *testing.T, r io.Reader, n int) []string {
	t.Helper()
	var out []string
	sc := bufio.NewScanner(r)
	for sc.Scan() && len(out) < n {
		line := sc.Text()
		if strings.HasPrefix(line, "ERR") {
			t.Fatal(line)
		}
		if strings.HasPrefix(line, "k") {
			out = append(out, line)
		}
	}
	if len(out) < n {
		t.Fatalf("child acknowledged only %d writes", len(out))
	}
	return out
}

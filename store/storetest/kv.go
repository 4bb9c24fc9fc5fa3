package storetest

import (
	"context"
	"testing"

	"github.com/google/go-cmp/cmp"
)

var kvBehaviours = []behaviour{
	{"KV/GetPutDeleteScan", testKV},
	{"KV/Certs", testKVCerts},
	{"KV/Reviews", testKVReviews},
}

// The key-value area keeps bytes by key; Scan finds them by prefix;
// values handed out are copies.
func testKV(t *testing.T, db Backend) {
	ctx := context.Background()
	get := func(key string) (string, bool) {
		t.Helper()
		v, ok, err := db.Get(key)
		if err != nil {
			t.Fatal(err)
		}
		return string(v), ok
	}
	if v, ok := get("digest/last_run"); ok {
		t.Errorf("Get of a missing key = %q", v)
	}
	for _, kv := range [][2]string{{"digest/last_run", "v1"}, {"digest/last_run", "v2"},
		{"inbox/slack/a", "1"}, {"inbox/slack/b", "2"}, {"inbox/slackx", "3"}} {
		if err := db.Put(ctx, kv[0], []byte(kv[1])); err != nil {
			t.Fatal(err)
		}
	}
	if v, ok := get("digest/last_run"); !ok || v != "v2" {
		t.Errorf("Get after overwrite = %q, %t; want v2", v, ok)
	}
	scan := func(prefix string) map[string]string {
		t.Helper()
		m, err := db.Scan(prefix)
		if err != nil {
			t.Fatal(err)
		}
		out := map[string]string{}
		for k, v := range m {
			out[k] = string(v)
		}
		return out
	}
	if diff := cmp.Diff(map[string]string{"inbox/slack/a": "1", "inbox/slack/b": "2"}, scan("inbox/slack/")); diff != "" {
		t.Errorf("Scan(inbox/slack/) (-want +got):\n%s", diff)
	}
	if n := len(scan("")); n != 4 {
		t.Errorf("Scan(\"\") found %d entries, want 4", n)
	}
	if n := len(scan("nothing/")); n != 0 {
		t.Errorf("Scan(nothing/) found %d entries", n)
	}
	v, _, _ := db.Get("inbox/slack/a")
	v[0] = 'X'
	m, _ := db.Scan("inbox/slack/a")
	m["inbox/slack/a"][0] = 'Y'
	if got, _ := get("inbox/slack/a"); got != "1" {
		t.Errorf("changing a value handed out changed the store: %q", got)
	}
	for _, key := range []string{"inbox/slack/a", "never/was"} {
		if err := db.Delete(ctx, key); err != nil {
			t.Errorf("Delete(%s) = %v", key, err)
		}
	}
	if diff := cmp.Diff(map[string]string{"inbox/slack/b": "2"}, scan("inbox/slack/")); diff != "" {
		t.Errorf("Scan after Delete (-want +got):\n%s", diff)
	}
}

// SNS signing certificates are cached by URL in the key-value area.
func testKVCerts(t *testing.T, db Backend) {
	const url = "https://sns.us-east-1.amazonaws.com/SimpleNotificationService-abc.pem"
	if _, ok, err := db.GetCert(url); ok || err != nil {
		t.Errorf("GetCert of a missing cert = %t, %v", ok, err)
	}
	pem := []byte("-----BEGIN CERTIFICATE-----\nMIIB\n-----END CERTIFICATE-----\n")
	if err := db.PutCert(url, pem); err != nil {
		t.Fatal(err)
	}
	got, ok, err := db.GetCert(url)
	if err != nil || !ok || string(got) != string(pem) {
		t.Errorf("GetCert = %q, %t, %v; want the cert", got, ok, err)
	}
	all, err := db.Scan("certs/")
	if err != nil || string(all["certs/"+url]) != string(pem) {
		t.Errorf("the cert is not under certs/<url> in the key-value area: %v, %v", all, err)
	}
}

// Edited reviews are kept per incident.
func testKVReviews(t *testing.T, db Backend) {
	ctx := context.Background()
	if _, ok, err := db.SavedReview(ctx, 1); ok || err != nil {
		t.Errorf("SavedReview of none = %t, %v", ok, err)
	}
	for _, md := range []string{"# INC-1\n\nfirst draft", "# INC-1\n\nedited"} {
		if err := db.SaveReview(ctx, 1, md); err != nil {
			t.Fatal(err)
		}
		if got, ok, err := db.SavedReview(ctx, 1); got != md || !ok || err != nil {
			t.Errorf("SavedReview = %q, %t, %v; want %q", got, ok, err, md)
		}
	}
	if _, ok, _ := db.SavedReview(ctx, 2); ok {
		t.Error("a review saved for INC-1 is found for INC-2")
	}
}

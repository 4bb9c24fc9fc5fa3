package e2e

import (
	"crypto/ecdsa"
	"crypto/elliptic"
	"crypto/rand"
	"crypto/tls"
	"crypto/x509"
	"crypto/x509/pkix"
	"encoding/pem"
	"io"
	"math/big"
	"net"
	"net/http"
	"net/http/httptest"
	"os"
	"path/filepath"
	"strings"
	"sync/atomic"
	"testing"
	"time"
)

// snsCertHost stands in for https://sns.us-east-1.amazonaws.com, reached
// the only way the child can reach it: through an HTTPS proxy (the parent's),
// with a certificate from a test CA the child trusts (SSL_CERT_FILE). The
// proxy refuses CONNECT while down is set.
type snsCertHost struct {
	down    atomic.Bool
	fetches atomic.Int64
	caFile  string
	proxy   string
}

func newSNSCertHost(t *testing.T, pemBytes []byte) *snsCertHost {
	t.Helper()
	h := &snsCertHost{}
	caKey, _ := ecdsa.GenerateKey(elliptic.P256(), rand.Reader)
	now := time.Now()
	caTmpl := &x509.Certificate{SerialNumber: big.NewInt(1), Subject: pkix.Name{CommonName: "tocsin fault test CA"},
		NotBefore: now.Add(-time.Hour), NotAfter: now.Add(24 * time.Hour), IsCA: true, BasicConstraintsValid: true,
		KeyUsage: x509.KeyUsageCertSign}
	caDER, err := x509.CreateCertificate(rand.Reader, caTmpl, caTmpl, &caKey.PublicKey, caKey)
	if err != nil {
		t.Fatal(err)
	}
	ca, _ := x509.ParseCertificate(caDER)
	leafKey, _ := ecdsa.GenerateKey(elliptic.P256(), rand.Reader)
	leafTmpl := &x509.Certificate{SerialNumber: big.NewInt(2), Subject: pkix.Name{CommonName: "sns.us-east-1.amazonaws.com"},
		DNSNames: []string{"sns.us-east-1.amazonaws.com"}, NotBefore: now.Add(-time.Hour), NotAfter: now.Add(24 * time.Hour),
		KeyUsage: x509.KeyUsageDigitalSignature, ExtKeyUsage: []x509.ExtKeyUsage{x509.ExtKeyUsageServerAuth}}
	leafDER, err := x509.CreateCertificate(rand.Reader, leafTmpl, ca, &leafKey.PublicKey, caKey)
	if err != nil {
		t.Fatal(err)
	}
	h.caFile = filepath.Join(t.TempDir(), "ca.pem")
	os.WriteFile(h.caFile, pem.EncodeToMemory(&pem.Block{Type: "CERTIFICATE", Bytes: caDER}), 0o600)

	origin := httptest.NewUnstartedServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		h.fetches.Add(1)
		if !strings.HasSuffix(r.URL.Path, ".pem") {
			http.NotFound(w, r)
			return
		}
		w.Write(pemBytes)
	}))
	origin.TLS = &tls.Config{Certificates: []tls.Certificate{{Certificate: [][]byte{leafDER}, PrivateKey: leafKey}}}
	origin.StartTLS()
	t.Cleanup(origin.Close)

	proxy := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		if r.Method != http.MethodConnect || h.down.Load() {
			http.Error(w, "upstream unavailable", http.StatusServiceUnavailable)
			return
		}
		up, err := net.Dial("tcp", origin.Listener.Addr().String())
		if err != nil {
			http.Error(w, err.Error(), http.StatusBadGateway)
			return
		}
		conn, buf, err := http.NewResponseController(w).Hijack()
		if err != nil {
			up.Close()
			return
		}
		buf.WriteString("HTTP/1.1 200 Connection established\r\n\r\n")
		buf.Flush()
		go func() { io.Copy(up, buf); up.Close() }()
		io.Copy(conn, up)
		conn.Close()
	}))
	t.Cleanup(proxy.Close)
	h.proxy = proxy.URL
	return h
}

// TestFault_SNSCertFetchFails: with no local copy of SNS's signing
// certificate and its fetch failing, the message gets 503 (SNS retries it)
// and nothing is stored; once the fetch works the redelivery is accepted,
// once, and the certificate is kept in the store, so after a restart it is
// not fetched again even while its host is down.
func TestFault_SNSCertFetchFails(t *testing.T) {
	t.Parallel()
	eachBackend(t, func(t *testing.T, db func(*testing.T) string) {
		s := New(t, faultOptions(faultOpts{db: db(t)}))
		host := newSNSCertHost(t, s.SNS.Certificate())
		s.Setenv("TOCSIN_SNS_CERT_DIR", t.TempDir()) // empty: the certificate must be fetched
		s.Setenv("HTTPS_PROXY", host.proxy)
		s.Setenv("SSL_CERT_FILE", host.caFile)
		s.Start()

		host.down.Store(true)
		first := s.AlarmBody("fcert-1", "api")
		for range 2 {
			if code := s.PostSNS(first); code != http.StatusServiceUnavailable {
				t.Fatalf("SNS status with the certificate unreachable = %d, want 503", code)
			}
		}
		if incs := s.Incidents(); len(incs) != 0 {
			t.Fatalf("stored while the signature could not be checked: %+v", incs)
		}
		host.down.Store(false)
		if code := s.PostSNS(first); code != 200 {
			t.Fatalf("SNS redelivery once the certificate is reachable: status %d", code)
		}
		if n := host.fetches.Load(); n != 1 {
			t.Errorf("certificate fetched %d times, want 1", n)
		}
		s.Restart()
		host.down.Store(true)
		s.MustAlarm("fcert-2", "api")
		if n := host.fetches.Load(); n != 1 {
			t.Errorf("certificate fetched %d times after the restart, want none (it is cached in the store)", n)
		}
		s.WaitHeader(1)
		checkNoDuplicates(t, s, "fcert-1", "fcert-2")
	})
}

package api

import (
	"context"
	"crypto/tls"
	"crypto/x509"
	"io"
	"log"
	"net/http"
	"net/http/httptest"
	"os"
	"path/filepath"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"loyalcheck/internal/testcert"
)

// quiet keeps the refused handshakes out of the test log.
func quiet(srv *httptest.Server) { srv.Config.ErrorLog = log.New(io.Discard, "", 0) }

func okServer() http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) { w.Write([]byte(`{"success":true}`)) })
}

func TestClientPrivateCA(t *testing.T) {
	srv := httptest.NewUnstartedServer(okServer())
	quiet(srv)
	srv.StartTLS()
	t.Cleanup(srv.Close)
	ctx := context.Background()

	// A self-signed target is refused, saying what to do about it.
	c, err := NewClient(srv.URL, WithAPIKey("k"))
	require.NoError(t, err)
	_, err = c.Do(ctx, EpRelease, []byte(`{}`))
	require.Error(t, err)
	assert.True(t, IsTransport(err))
	assert.Contains(t, err.Error(), "--ca-cert")

	// Its certificate as a CA bundle makes it trusted.
	ca := testcert.WritePEM(t, t.TempDir(), "ca.pem", "CERTIFICATE", srv.Certificate().Raw)
	cfg, err := LoadTLSConfig(ca, "", "")
	require.NoError(t, err)
	c, err = NewClient(srv.URL, WithAPIKey("k"), WithTLSConfig(cfg))
	require.NoError(t, err)
	ex, err := c.Do(ctx, EpRelease, []byte(`{}`))
	require.NoError(t, err)
	assert.Equal(t, 200, ex.Status)

	// Verification cannot be turned off.
	_, err = NewClient(srv.URL, WithTLSConfig(&tls.Config{InsecureSkipVerify: true}))
	assert.Error(t, err)
}

func TestClientMutualTLS(t *testing.T) {
	dir := t.TempDir()
	cert, certFile, keyFile := testcert.ClientCert(t, dir)
	srv := httptest.NewUnstartedServer(okServer())
	pool := x509.NewCertPool()
	pool.AddCert(cert)
	srv.TLS = &tls.Config{ClientAuth: tls.RequireAndVerifyClientCert, ClientCAs: pool}
	quiet(srv)
	srv.StartTLS()
	t.Cleanup(srv.Close)
	ca := testcert.WritePEM(t, dir, "ca.pem", "CERTIFICATE", srv.Certificate().Raw)
	ctx := context.Background()

	cfg, err := LoadTLSConfig(ca, "", "")
	require.NoError(t, err)
	c, err := NewClient(srv.URL, WithTLSConfig(cfg))
	require.NoError(t, err)
	_, err = c.Do(ctx, EpRelease, []byte(`{}`))
	require.Error(t, err, "no client certificate")
	assert.True(t, IsTransport(err))
	assert.Contains(t, err.Error(), "--client-cert")

	cfg, err = LoadTLSConfig(ca, certFile, keyFile)
	require.NoError(t, err)
	c, err = NewClient(srv.URL, WithTLSConfig(cfg))
	require.NoError(t, err)
	ex, err := c.Do(ctx, EpRelease, []byte(`{}`))
	require.NoError(t, err)
	assert.Equal(t, 200, ex.Status)
}

func TestLoadTLSConfigErrors(t *testing.T) {
	dir := t.TempDir()
	_, certFile, keyFile := testcert.ClientCert(t, dir)
	empty := filepath.Join(dir, "empty.pem")
	require.NoError(t, os.WriteFile(empty, []byte("not a certificate\n"), 0o600))
	badCert := testcert.WritePEM(t, dir, "bad.pem", "CERTIFICATE", []byte("garbage"))
	keyAsCA := keyFile
	for _, tt := range []struct {
		name               string
		ca, cert, key, msg string
	}{
		{"missing CA file", filepath.Join(dir, "nope.pem"), "", "", "nope.pem"},
		{"no PEM in CA file", empty, "", "", "no PEM certificate"},
		{"bad certificate", badCert, "", "", "certificate 1"},
		{"key as CA", keyAsCA, "", "", `"PRIVATE KEY", not a CERTIFICATE`},
		{"cert without key", "", certFile, "", "both"},
		{"key without cert", "", "", keyFile, "both"},
		{"key does not parse", "", certFile, empty, "client certificate"},
		{"missing cert file", "", filepath.Join(dir, "nope.pem"), keyFile, "nope.pem"},
	} {
		t.Run(tt.name, func(t *testing.T) {
			_, err := LoadTLSConfig(tt.ca, tt.cert, tt.key)
			require.Error(t, err)
			assert.Contains(t, err.Error(), tt.msg)
			assert.NotContains(t, err.Error(), "\n")
		})
	}
	cfg, err := LoadTLSConfig("", "", "")
	require.NoError(t, err)
	assert.Nil(t, cfg.RootCAs, "the system's roots")
	assert.False(t, cfg.InsecureSkipVerify)
}

package api

import (
	"crypto/tls"
	"crypto/x509"
	"encoding/pem"
	"errors"
	"fmt"
	"os"
	"strings"
)

// LoadTLSConfig builds the TLS settings of a client from files: caFile, a
// PEM bundle of CA certificates trusted on top of the system's (a vendor's
// private CA), and certFile with keyFile, the client certificate of a
// target that requires mutual TLS. Empty names leave that part out; a
// certificate needs its key and the other way round. Verification of the
// target's certificate always stays on.
func LoadTLSConfig(caFile, certFile, keyFile string) (*tls.Config, error) {
	cfg := &tls.Config{MinVersion: tls.VersionTLS12}
	if caFile != "" {
		pool, err := x509.SystemCertPool()
		if err != nil {
			pool = x509.NewCertPool() // no system pool (some platforms): the bundle alone
		}
		certs, err := readCertBundle(caFile)
		if err != nil {
			return nil, err
		}
		for _, c := range certs {
			pool.AddCert(c)
		}
		cfg.RootCAs = pool
	}
	switch {
	case certFile == "" && keyFile == "":
	case certFile == "" || keyFile == "":
		return nil, errors.New("a client certificate needs both its certificate file and its key file")
	default:
		pair, err := tls.LoadX509KeyPair(certFile, keyFile)
		if err != nil {
			return nil, fmt.Errorf("client certificate %s with key %s: %s", certFile, keyFile, oneLine(err))
		}
		cfg.Certificates = []tls.Certificate{pair}
	}
	return cfg, nil
}

// readCertBundle reads every certificate of a PEM file; a file with none,
// or with a block that is not a valid certificate, is an error rather than
// a bundle silently trusted in part.
func readCertBundle(name string) ([]*x509.Certificate, error) {
	data, err := os.ReadFile(name)
	if err != nil {
		return nil, fmt.Errorf("CA bundle: %w", err)
	}
	var certs []*x509.Certificate
	for n := 1; ; n++ {
		var b *pem.Block
		b, data = pem.Decode(data)
		if b == nil {
			break
		}
		if b.Type != "CERTIFICATE" {
			return nil, fmt.Errorf("CA bundle %s: PEM block %d is a %q, not a CERTIFICATE", name, n, b.Type)
		}
		c, err := x509.ParseCertificate(b.Bytes)
		if err != nil {
			return nil, fmt.Errorf("CA bundle %s: certificate %d: %s", name, n, oneLine(err))
		}
		certs = append(certs, c)
	}
	if len(certs) == 0 {
		return nil, fmt.Errorf("CA bundle %s: no PEM certificate in it", name)
	}
	return certs, nil
}

func oneLine(err error) string { return strings.Join(strings.Fields(err.Error()), " ") }

// tlsHint says what to do about a TLS failure, "" for other errors.
func tlsHint(err error) string {
	var unknown x509.UnknownAuthorityError
	var host x509.HostnameError
	var invalid x509.CertificateInvalidError
	switch {
	case errors.As(err, &unknown):
		return " (the target's certificate is not signed by a CA this machine trusts; if it uses a private CA, give its certificate with --ca-cert FILE)"
	case errors.As(err, &host):
		return " (the target's certificate is not valid for this host name)"
	case errors.As(err, &invalid):
		return " (the target's certificate is not valid: expired, or not for a server)"
	case strings.Contains(err.Error(), "tls: certificate required"), strings.Contains(err.Error(), "tls: bad certificate"):
		// The server's alert reaches us as text only (crypto/tls's alert
		// type is unexported over TCP).
		return " (the target wants a client certificate: give it with --client-cert FILE --client-key FILE)"
	}
	return ""
}

package preflight

import (
	"bytes"
	"crypto/x509"
	"encoding/pem"
	"fmt"
	"os"
)

// checkCerts checks the encipherment certificates: each readable, in date
// and strong enough, and ITE and production not sharing a key.
func (c *Checker) checkCerts(itePath, prodPath string) []Check {
	var out []Check
	var ite, prod *x509.Certificate
	for _, f := range []struct {
		env, path string
		cert      **x509.Certificate
	}{{"ITE", itePath, &ite}, {"production", prodPath, &prod}} {
		if f.path == "" {
			continue
		}
		cert, err := readCert(f.path)
		if err != nil {
			out = append(out, Check{"preflight.cert.read", StatusError, f.path, fmt.Sprintf("the %s encipherment certificate: %v", f.env, err)})
			continue
		}
		*f.cert = cert
		out = append(out, Check{"preflight.cert.read", StatusOK, f.path, fmt.Sprintf("the %s encipherment certificate: %s, issued by %s", f.env, name(cert), issuerName(cert))})
		out = append(out, checkExpiry("preflight.cert.expiry", f.path, cert, c.now()))
		out = append(out, checkKey("preflight.cert.key", f.path, cert))
	}
	if ite != nil && prod != nil {
		switch {
		case bytes.Equal(ite.RawSubjectPublicKeyInfo, prod.RawSubjectPublicKeyInfo):
			out = append(out, Check{"preflight.cert.shared", StatusError, itePath + ", " + prodPath, "the ITE and production encipherment certificates share one key; the certificate used for ITE shall not be used in production: make a new key pair for production"})
		default:
			out = append(out, Check{"preflight.cert.shared", StatusOK, itePath + ", " + prodPath, "ITE and production use different keys"})
		}
	}
	return out
}

// readCert reads the first certificate of a PEM (or DER) file.
func readCert(path string) (*x509.Certificate, error) {
	data, err := os.ReadFile(path)
	if err != nil {
		return nil, fmt.Errorf("cannot read it: %w", err)
	}
	rest := data
	for {
		var b *pem.Block
		b, rest = pem.Decode(rest)
		if b == nil {
			break
		}
		if b.Type == "CERTIFICATE" {
			c, err := x509.ParseCertificate(b.Bytes)
			if err != nil {
				return nil, fmt.Errorf("its CERTIFICATE block does not parse: %v", err)
			}
			return c, nil
		}
	}
	if c, err := x509.ParseCertificate(data); err == nil {
		return c, nil
	}
	return nil, fmt.Errorf("no certificate in it; expected a PEM file with a CERTIFICATE block")
}

package preflight

import (
	"bytes"
	"context"
	"crypto/ecdsa"
	"crypto/ed25519"
	"crypto/rsa"
	"crypto/tls"
	"crypto/x509"
	"errors"
	"fmt"
	"net"
	"strings"
	"time"
)

// Minimum key sizes of a production-grade certificate.
const (
	minRSABits   = 2048
	minECDSABits = 256
	// expiryWarning is how long before its end a certificate is warned about.
	expiryWarning = 30 * 24 * time.Hour
)

func insecureTLS() *tls.Config {
	// The certificate is read, then judged by checkChain against the
	// configured roots; the handshake itself must not refuse it.
	return &tls.Config{InsecureSkipVerify: true, MinVersion: tls.VersionTLS10}
}

// checkTLS connects to host:port and checks the certificate chain and host
// name, the certificate's dates and key, and the TLS versions accepted.
func (c *Checker) checkTLS(ctx context.Context, hp string, roots *x509.CertPool) []Check {
	host, _, _ := net.SplitHostPort(hp)
	cfg := insecureTLS()
	if net.ParseIP(host) == nil {
		cfg.ServerName = host
	}
	state, err := c.handshake(ctx, hp, cfg)
	if err != nil {
		return []Check{{"preflight.tls.connect", StatusError, hp, "could not make a TLS connection: " + oneLine(err.Error())}}
	}
	if len(state.PeerCertificates) == 0 {
		return []Check{{"preflight.tls.chain", StatusError, hp, "the server sent no certificate"}}
	}
	leaf := state.PeerCertificates[0]
	now := c.now()
	out := []Check{
		checkChain(hp, host, state.PeerCertificates, roots, now),
		checkExpiry("preflight.tls.expiry", hp, leaf, now),
		c.checkVersions(ctx, hp, cfg, state.Version),
		checkKey("preflight.tls.key", hp, leaf),
	}
	return out
}

func (c *Checker) handshake(ctx context.Context, hp string, cfg *tls.Config) (tls.ConnectionState, error) {
	ctx, cancel := context.WithTimeout(ctx, c.timeout())
	defer cancel()
	d := &tls.Dialer{Config: cfg, NetDialer: &net.Dialer{}}
	conn, err := d.DialContext(ctx, "tcp", hp)
	if err != nil {
		return tls.ConnectionState{}, err
	}
	defer conn.Close()
	return conn.(*tls.Conn).ConnectionState(), nil
}

// checkChain verifies the chain against the roots and the host name.
// Expiry is left to checkExpiry: a chain that verifies within its dates
// passes here.
func checkChain(target, host string, certs []*x509.Certificate, roots *x509.CertPool, now time.Time) Check {
	leaf := certs[0]
	inter := x509.NewCertPool()
	for _, ic := range certs[1:] {
		inter.AddCert(ic)
	}
	opts := x509.VerifyOptions{Roots: roots, Intermediates: inter, CurrentTime: now}
	_, err := leaf.Verify(opts)
	var inv x509.CertificateInvalidError
	if errors.As(err, &inv) && inv.Reason == x509.Expired {
		// Judge the chain at the last minute the leaf was valid.
		opts.CurrentTime = leaf.NotAfter.Add(-time.Minute)
		if now.Before(leaf.NotBefore) {
			opts.CurrentTime = leaf.NotBefore.Add(time.Minute)
		}
		_, err = leaf.Verify(opts)
	}
	var problems []string
	if err != nil {
		var ua x509.UnknownAuthorityError
		switch {
		case errors.As(err, &ua) && selfSigned(leaf):
			problems = append(problems, fmt.Sprintf("the certificate (%s) is self-signed; only a production-grade certificate from a public certificate authority is accepted", name(leaf)))
		case errors.As(err, &ua):
			problems = append(problems, fmt.Sprintf("the chain ends at %q, which is not a public root certificate authority (a private CA, or a missing intermediate certificate); only a production-grade certificate from a public CA is accepted", chainTop(certs)))
		default:
			problems = append(problems, "the chain does not verify: "+oneLine(err.Error()))
		}
	}
	if err := leaf.VerifyHostname(host); err != nil {
		problems = append(problems, fmt.Sprintf("the certificate is for %s, not %s", strings.Join(names(leaf), ", "), host))
	}
	if len(problems) > 0 {
		return Check{"preflight.tls.chain", StatusError, target, strings.Join(problems, "; ")}
	}
	return Check{"preflight.tls.chain", StatusOK, target, fmt.Sprintf("the chain verifies against the public roots (issued by %s) and the certificate is valid for %s", issuerName(leaf), host)}
}

func selfSigned(c *x509.Certificate) bool {
	return bytes.Equal(c.RawIssuer, c.RawSubject) && c.CheckSignature(c.SignatureAlgorithm, c.RawTBSCertificate, c.Signature) == nil
}

func chainTop(certs []*x509.Certificate) string {
	return issuerName(certs[len(certs)-1])
}

func issuerName(c *x509.Certificate) string {
	if c.Issuer.CommonName != "" {
		return c.Issuer.CommonName
	}
	return c.Issuer.String()
}

func name(c *x509.Certificate) string {
	if c.Subject.CommonName != "" {
		return c.Subject.CommonName
	}
	if n := names(c); len(n) > 0 {
		return n[0]
	}
	return c.Subject.String()
}

func names(c *x509.Certificate) []string {
	out := append([]string(nil), c.DNSNames...)
	for _, ip := range c.IPAddresses {
		out = append(out, ip.String())
	}
	if len(out) == 0 {
		out = []string{"no host name (" + c.Subject.String() + ")"}
	}
	return out
}

// checkExpiry judges a certificate's dates: an error when it is expired or
// not yet valid, a warning in its last 30 days.
func checkExpiry(id, target string, c *x509.Certificate, now time.Time) Check {
	day := "2006-01-02"
	switch left := c.NotAfter.Sub(now); {
	case now.Before(c.NotBefore):
		return Check{id, StatusError, target, fmt.Sprintf("the certificate is not valid before %s", c.NotBefore.Format(day))}
	case left <= 0:
		return Check{id, StatusError, target, fmt.Sprintf("the certificate expired on %s (%d days ago); renew it", c.NotAfter.Format(day), days(-left))}
	case left < expiryWarning:
		return Check{id, StatusWarning, target, fmt.Sprintf("the certificate expires on %s, in %d days; renew it before 30 days are left", c.NotAfter.Format(day), days(left))}
	default:
		return Check{id, StatusOK, target, fmt.Sprintf("valid until %s (%d days left)", c.NotAfter.Format(day), days(left))}
	}
}

// checkVersions reports the negotiated version and whether the server
// still accepts TLS 1.0 or 1.1.
func (c *Checker) checkVersions(ctx context.Context, hp string, base *tls.Config, negotiated uint16) Check {
	var old []string
	for _, v := range []uint16{tls.VersionTLS10, tls.VersionTLS11} {
		cfg := base.Clone()
		cfg.MinVersion, cfg.MaxVersion = v, v
		if _, err := c.handshake(ctx, hp, cfg); err == nil {
			old = append(old, tls.VersionName(v))
		}
	}
	if negotiated < tls.VersionTLS12 {
		return Check{"preflight.tls.version", StatusError, hp, fmt.Sprintf("the server negotiates %s at best; TLS 1.2 or later is required, and TLS 1.0 and 1.1 must be turned off", tls.VersionName(negotiated))}
	}
	if len(old) > 0 {
		return Check{"preflight.tls.version", StatusError, hp, fmt.Sprintf("the server still accepts %s; turn off every version before TLS 1.2", strings.Join(old, " and "))}
	}
	return Check{"preflight.tls.version", StatusOK, hp, fmt.Sprintf("%s negotiated; TLS 1.0 and 1.1 refused", tls.VersionName(negotiated))}
}

// checkKey judges a certificate's key size and signature algorithm.
func checkKey(id, target string, c *x509.Certificate) Check {
	var key string
	var weak bool
	switch k := c.PublicKey.(type) {
	case *rsa.PublicKey:
		bits := k.N.BitLen()
		key, weak = fmt.Sprintf("RSA %d-bit key", bits), bits < minRSABits
	case *ecdsa.PublicKey:
		bits := k.Curve.Params().BitSize
		key, weak = fmt.Sprintf("ECDSA %s key", k.Curve.Params().Name), bits < minECDSABits
	case ed25519.PublicKey:
		key = "Ed25519 key"
	default:
		key, weak = fmt.Sprintf("%s key", c.PublicKeyAlgorithm), true
	}
	switch c.SignatureAlgorithm {
	case x509.MD2WithRSA, x509.MD5WithRSA, x509.SHA1WithRSA, x509.ECDSAWithSHA1, x509.DSAWithSHA1:
		return Check{id, StatusError, target, fmt.Sprintf("%s, signed with %s, which is broken; reissue it with SHA-256 or better", key, c.SignatureAlgorithm)}
	}
	if weak {
		return Check{id, StatusError, target, fmt.Sprintf("%s is too weak; use RSA of at least %d bits or ECDSA P-256 or stronger", key, minRSABits)}
	}
	return Check{id, StatusOK, target, fmt.Sprintf("%s, signed with %s", key, c.SignatureAlgorithm)}
}

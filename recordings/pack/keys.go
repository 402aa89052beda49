package pack

import (
	"crypto/ed25519"
	"crypto/rand"
	"crypto/x509"
	"encoding/base64"
	"encoding/pem"
	"fmt"
	"os"
	"path/filepath"
	"strings"
)

// Names of the key files GenerateKey writes.
const (
	PrivateKeyFile = "journeyproof-pack.key"
	PublicKeyFile  = "journeyproof-pack.pub"
)

// GenerateKey writes a new Ed25519 key pair into dir (created when needed)
// as PEM files: the private key (PKCS #8, mode 0600) and the public key
// (PKIX, mode 0644). It never overwrites an existing key file.
func GenerateKey(dir string) (privPath, pubPath string, err error) {
	if err := os.MkdirAll(dir, 0o755); err != nil {
		return "", "", fmt.Errorf("write key pair: %w", err)
	}
	privPath, pubPath = filepath.Join(dir, PrivateKeyFile), filepath.Join(dir, PublicKeyFile)
	for _, p := range []string{privPath, pubPath} {
		if _, err := os.Lstat(p); err == nil {
			return "", "", fmt.Errorf("write key pair: %s already exists; move it away or choose another folder", p)
		}
	}
	pub, priv, err := ed25519.GenerateKey(rand.Reader)
	if err != nil {
		return "", "", fmt.Errorf("generate key pair: %w", err)
	}
	privDER, err := x509.MarshalPKCS8PrivateKey(priv)
	if err != nil {
		return "", "", fmt.Errorf("encode private key: %w", err)
	}
	pubDER, err := x509.MarshalPKIXPublicKey(pub)
	if err != nil {
		return "", "", fmt.Errorf("encode public key: %w", err)
	}
	if err := writeNew(privPath, pem.EncodeToMemory(&pem.Block{Type: "PRIVATE KEY", Bytes: privDER}), 0o600); err != nil {
		return "", "", err
	}
	if err := writeNew(pubPath, pem.EncodeToMemory(&pem.Block{Type: "PUBLIC KEY", Bytes: pubDER}), 0o644); err != nil {
		os.Remove(privPath)
		return "", "", err
	}
	return privPath, pubPath, nil
}

func writeNew(path string, data []byte, mode os.FileMode) error {
	f, err := os.OpenFile(path, os.O_WRONLY|os.O_CREATE|os.O_EXCL, mode)
	if err != nil {
		return fmt.Errorf("write key %s: %w", path, err)
	}
	if _, err := f.Write(data); err != nil {
		f.Close()
		os.Remove(path)
		return fmt.Errorf("write key %s: %w", path, err)
	}
	if err := f.Close(); err != nil {
		os.Remove(path)
		return fmt.Errorf("write key %s: %w", path, err)
	}
	return nil
}

// LoadPrivateKey reads an Ed25519 private key: PEM (PKCS #8, as
// GenerateKey writes it), or base64 of the 32-byte seed or the 64-byte key.
func LoadPrivateKey(path string) (ed25519.PrivateKey, error) {
	priv, raw, err := loadKey[ed25519.PrivateKey](path, keyFile{
		what: "signing key", pemType: "PRIVATE KEY", parse: x509.ParsePKCS8PrivateKey,
		want: "an Ed25519 PRIVATE KEY", hint: " (make one with journeyproof keygen)", notBase64: "neither PEM nor base64",
	})
	if err != nil || priv != nil {
		return priv, err
	}
	switch len(raw) {
	case ed25519.SeedSize:
		return ed25519.NewKeyFromSeed(raw), nil
	case ed25519.PrivateKeySize:
		return ed25519.PrivateKey(raw), nil
	}
	return nil, fmt.Errorf("signing key %s: %d bytes, not an Ed25519 seed (32) or key (64)", path, len(raw))
}

// LoadPublicKey reads an Ed25519 public key: PEM (PKIX, as GenerateKey
// writes it), or base64 of the 32-byte key.
func LoadPublicKey(path string) (ed25519.PublicKey, error) {
	const notKey = "neither PEM nor base64 of a 32-byte Ed25519 key"
	pub, raw, err := loadKey[ed25519.PublicKey](path, keyFile{
		what: "public key", pemType: "PUBLIC KEY", parse: x509.ParsePKIXPublicKey, want: "a PUBLIC KEY", notBase64: notKey,
	})
	if err != nil || pub != nil {
		return pub, err
	}
	if len(raw) != ed25519.PublicKeySize {
		return nil, fmt.Errorf("public key %s: %s", path, notKey)
	}
	return ed25519.PublicKey(raw), nil
}

// keyFile says what a key file holds and how errors name it.
type keyFile struct {
	what    string // "signing key"
	pemType string // the PEM block's type
	parse   func([]byte) (any, error)
	want    string // the block expected, for errors: "a PUBLIC KEY"
	hint    string // ends the errors that a new key would mend
	// notBase64 is the error of a file that is neither PEM nor base64.
	notBase64 string
}

// loadKey reads the key file at path: a PEM block, which f.parse decodes
// into a K, or else base64, whose bytes it returns (key zero) for the
// caller to check.
func loadKey[K any](path string, f keyFile) (key K, raw []byte, err error) {
	data, err := os.ReadFile(path)
	if err != nil {
		return key, nil, fmt.Errorf("read %s: %w", f.what, err)
	}
	if blk, _ := pem.Decode(data); blk != nil {
		if blk.Type != f.pemType {
			return key, nil, fmt.Errorf("%s %s: PEM block is %q, not %s%s", f.what, path, blk.Type, f.want, f.hint)
		}
		k, err := f.parse(blk.Bytes)
		if err != nil {
			return key, nil, fmt.Errorf("%s %s: %w", f.what, path, err)
		}
		key, ok := k.(K)
		if !ok {
			return key, nil, fmt.Errorf("%s %s: %T is not an Ed25519 key%s", f.what, path, k, f.hint)
		}
		return key, nil, nil
	}
	raw, err = base64.StdEncoding.DecodeString(strings.TrimSpace(string(data)))
	if err != nil {
		return key, nil, fmt.Errorf("%s %s: %s", f.what, path, f.notBase64)
	}
	return key, raw, nil
}

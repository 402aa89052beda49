package recordings

import (
	"crypto/sha256"
	"encoding/hex"
	"errors"
	"fmt"
	"io"
	"os"
	"path/filepath"
)

// ErrHashMismatch is returned when an uploaded artifact's content does not
// have the SHA-256 it was sent under.
var ErrHashMismatch = errors.New("content does not match its SHA-256")

// ArtifactMirror receives every artifact this store writes, after it is
// written locally: a worker without the shared folder uploads it to serve.
type ArtifactMirror interface {
	PutArtifact(sha, contentType, path string) error
}

// SetArtifactMirror makes the store hand every artifact it writes to m
// (nil for none); an artifact m refuses fails like one not written.
func (s *Store) SetArtifactMirror(m ArtifactMirror) { s.mirror = m }

// mirrorArtifact hands a written artifact to the mirror, if any.
func (s *Store) mirrorArtifact(sha, contentType string) error {
	if s.mirror == nil {
		return nil
	}
	if err := s.mirror.PutArtifact(sha, contentType, s.ArtifactPath(sha)); err != nil {
		return fmt.Errorf("upload artifact %s: %w", sha, err)
	}
	return nil
}

// ReceiveArtifact stores an artifact sent as sha (an upload from a worker):
// the content is streamed to a temporary file and hashed, and only kept
// when its SHA-256 is sha (else ErrHashMismatch, and nothing is kept). It
// reads at most limit bytes. The database row is the sender's to write.
func (s *Store) ReceiveArtifact(sha string, r io.Reader, limit int64) (int64, error) {
	path := s.ArtifactPath(sha)
	if path == "" {
		return 0, fmt.Errorf("receive artifact: %q is not a SHA-256", sha)
	}
	dir := filepath.Dir(path)
	if err := os.MkdirAll(dir, 0o755); err != nil {
		return 0, fmt.Errorf("receive artifact: %w", err)
	}
	tmp, err := os.CreateTemp(dir, ".upload-*")
	if err != nil {
		return 0, fmt.Errorf("receive artifact: %w", err)
	}
	defer os.Remove(tmp.Name())
	h := sha256.New()
	n, err := io.Copy(io.MultiWriter(tmp, h), io.LimitReader(r, limit+1))
	if err == nil && n > limit {
		err = fmt.Errorf("more than %d bytes", limit)
	}
	if err == nil {
		err = tmp.Sync()
	}
	if cerr := tmp.Close(); err == nil {
		err = cerr
	}
	if err != nil {
		return n, fmt.Errorf("receive artifact %s: %w", sha, err)
	}
	if got := hex.EncodeToString(h.Sum(nil)); got != sha {
		return n, fmt.Errorf("receive artifact %s: %w (it is %s)", sha, ErrHashMismatch, got)
	}
	if artifactIntact(path, sha, n) {
		return n, nil
	}
	if err := os.Rename(tmp.Name(), path); err != nil {
		return n, fmt.Errorf("receive artifact %s: %w", sha, err)
	}
	return n, syncDir(dir)
}

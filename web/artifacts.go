package web

import (
	"bytes"
	"crypto/sha256"
	"encoding/hex"
	"io/fs"
	"net/http"
	"os"
	"path"
	"strings"
	"time"

	"github.com/gin-gonic/gin"

	"journeyproof/recordings"
)

// artifactPolicy is the Content-Security-Policy of an artifact: whatever
// its type, it runs no script and loads nothing.
const artifactPolicy = "default-src 'none'; img-src 'self'; media-src 'self'; style-src 'unsafe-inline'; sandbox"

// artifact serves a stored file by its SHA-256 only: the stored content
// type, a strong ETag (the hash), a year of immutable caching, ranges (for
// video). Anything that is not a stored hash is 404; the request's text
// never reaches the file system.
func (s *Server) artifact(c *gin.Context) {
	sha := c.Param("sha")
	if !recordings.ValidSHA(sha) {
		s.fail(c, http.StatusNotFound, "no such artifact")
		return
	}
	a, err := s.store.Artifact(sha)
	if err != nil {
		s.failMissing(c, err, recordings.ErrNotFound, "no such artifact")
		return
	}
	p := s.store.ArtifactPath(a.SHA256)
	f, err := os.Open(p)
	if err != nil {
		s.failMissing(c, err, fs.ErrNotExist, "the artifact's file is missing from the store")
		return
	}
	defer f.Close()
	h := c.Writer.Header()
	ct := a.ContentType
	if ct == "" {
		ct = "application/octet-stream"
	}
	h.Set("Content-Type", ct)
	h.Set("ETag", `"`+a.SHA256+`"`)
	if s.o.Token != "" {
		// Behind a token: no shared cache (a proxy, a CDN) may keep it.
		h.Set("Cache-Control", "private, max-age=31536000, immutable")
	} else {
		h.Set("Cache-Control", "public, max-age=31536000, immutable")
	}
	h.Set("Content-Security-Policy", artifactPolicy)
	h.Set("Cross-Origin-Resource-Policy", "same-origin")
	if !inlineType(ct) {
		h.Set("Content-Disposition", "attachment")
	}
	http.ServeContent(c.Writer, c.Request, "", a.CreatedAt, f)
}

// inlineType reports whether a content type is shown in the browser (the
// rest are downloaded).
func inlineType(ct string) bool {
	mt, _, _ := strings.Cut(ct, ";")
	mt = strings.TrimSpace(strings.ToLower(mt))
	switch {
	case mt == "image/png", mt == "image/jpeg", mt == "image/webp", mt == "image/gif":
		return true
	case strings.HasPrefix(mt, "video/"), strings.HasPrefix(mt, "audio/"):
		return true
	case mt == "text/vtt", mt == "text/plain", mt == "application/json", mt == "application/pdf":
		return true
	}
	return false
}

// staticFile serves the embedded static files with an ETag of their
// content, revalidated on each use.
func (s *Server) staticFile(c *gin.Context) {
	name := strings.TrimPrefix(c.Param("file"), "/")
	if !fs.ValidPath(name) || name == "." {
		s.notFound(c)
		return
	}
	b, err := fs.ReadFile(s.static, name)
	if err != nil {
		s.notFound(c)
		return
	}
	sum := sha256.Sum256(b)
	h := c.Writer.Header()
	h.Set("ETag", `"`+hex.EncodeToString(sum[:16])+`"`)
	h.Set("Cache-Control", "no-cache")
	http.ServeContent(c.Writer, c.Request, path.Base(name), time.Time{}, bytes.NewReader(b))
}

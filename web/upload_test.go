package web

import (
	"bytes"
	"crypto/sha256"
	"encoding/hex"
	"net/http"
	"os"
	"testing"
)

// A worker without the shared folder uploads its artifacts: kept only when
// the content has the SHA-256 it is sent under, only with the token, and
// never through a server without one.
func TestArtifactUpload(t *testing.T) {
	const token = "upload-token-for-the-tests-0123"
	h := newServer(t, Options{Token: token}).Handler()
	data := bytes.Repeat([]byte("frame "), 300000) // over the 1 MiB limit of other requests
	sum := sha256.Sum256(data)
	sha := hex.EncodeToString(sum[:])
	auth := "Bearer " + token

	other := sha256.Sum256([]byte("something else"))
	wrong := hex.EncodeToString(other[:])
	if w := request(t, h, "PUT", "/api/artifacts/"+wrong, bytes.NewReader(data), "Authorization", auth, "Content-Type", "image/jpeg"); w.Code != http.StatusUnprocessableEntity {
		t.Fatalf("content under another hash: %d %s", w.Code, w.Body)
	}
	if _, err := os.Stat(store.ArtifactPath(wrong)); err == nil {
		t.Fatal("a mismatched upload was kept")
	}
	if w := request(t, h, "PUT", "/api/artifacts/"+sha, bytes.NewReader(data), "Content-Type", "image/jpeg"); w.Code != http.StatusUnauthorized {
		t.Errorf("upload without the token: %d", w.Code)
	}
	if w := request(t, h, "PUT", "/api/artifacts/../../x", bytes.NewReader(data), "Authorization", auth); w.Code == http.StatusCreated {
		t.Errorf("upload to a path that is not a hash: %d", w.Code)
	}
	w := request(t, h, "PUT", "/api/artifacts/"+sha, bytes.NewReader(data), "Authorization", auth, "Content-Type", "image/jpeg")
	if w.Code != http.StatusCreated {
		t.Fatalf("upload: %d %s", w.Code, w.Body)
	}
	got, err := os.ReadFile(store.ArtifactPath(sha))
	if err != nil || !bytes.Equal(got, data) {
		t.Fatalf("uploaded file: %v, %d bytes", err, len(got))
	}
	// A server without a token takes no uploads.
	open := newServer(t, Options{}).Handler()
	if w := request(t, open, "PUT", "/api/artifacts/"+sha, bytes.NewReader(data), "Content-Type", "image/jpeg"); w.Code == http.StatusCreated {
		t.Errorf("a server without a token took an upload: %d", w.Code)
	}
}

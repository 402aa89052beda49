package main

import (
	"fmt"
	"io"
	"net/http"
	"os"
	"strings"
	"sync"
	"time"
)

// uploader sends the artifacts a worker writes to serve (PUT
// /api/artifacts/<sha256> with the token), for workers that do not share
// the data folder with it; serve checks each file's SHA-256 on arrival.
// It is the store's recordings.ArtifactMirror.
type uploader struct {
	server, token string
	client        *http.Client
	// sent are the artifacts already uploaded by this process.
	sent sync.Map
}

func newUploader(server, token string) (*uploader, error) {
	if !strings.HasPrefix(server, "http://") && !strings.HasPrefix(server, "https://") {
		return nil, fmt.Errorf("--server %q: want the web app's URL, http(s)://host:8080", server)
	}
	if token == "" {
		return nil, fmt.Errorf("--server needs the web app's token (--token or JOURNEYPROOF_TOKEN)")
	}
	return &uploader{server: strings.TrimRight(server, "/"), token: token, client: &http.Client{Timeout: 10 * time.Minute}}, nil
}

// PutArtifact uploads the file, trying three times on a network error or a
// server error.
func (u *uploader) PutArtifact(sha, contentType, path string) error {
	if _, ok := u.sent.Load(sha); ok {
		return nil
	}
	var last error
	for attempt := 0; attempt < 3; attempt++ {
		if attempt > 0 {
			time.Sleep(time.Duration(attempt) * time.Second)
		}
		retry, err := u.put(sha, contentType, path)
		if err == nil {
			u.sent.Store(sha, true)
			return nil
		}
		last = err
		if !retry {
			break
		}
	}
	return last
}

func (u *uploader) put(sha, contentType, path string) (retry bool, err error) {
	f, err := os.Open(path)
	if err != nil {
		return false, err
	}
	defer f.Close()
	fi, err := f.Stat()
	if err != nil {
		return false, err
	}
	req, err := http.NewRequest(http.MethodPut, u.server+"/api/artifacts/"+sha, f)
	if err != nil {
		return false, err
	}
	req.ContentLength = fi.Size()
	req.Header.Set("Authorization", "Bearer "+u.token)
	req.Header.Set("Content-Type", contentType)
	resp, err := u.client.Do(req)
	if err != nil {
		return true, fmt.Errorf("upload to %s: %w", u.server, err)
	}
	defer resp.Body.Close()
	if resp.StatusCode == http.StatusCreated {
		return false, nil
	}
	body, _ := io.ReadAll(io.LimitReader(resp.Body, 512))
	return resp.StatusCode >= 500, fmt.Errorf("upload to %s: %s: %s", u.server, resp.Status, strings.TrimSpace(string(body)))
}

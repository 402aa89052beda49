package pack

import (
	"crypto/ed25519"
	"crypto/sha256"
	"encoding/base64"
	"encoding/hex"
	"encoding/json"
	"fmt"
	"time"
)

// Names of the manifest and its signature in a pack.
const (
	ManifestName  = "manifest.json"
	SignatureName = "manifest.sig"
	// Format names the layout of the pack and its manifest.
	Format = "journeyproof-pack/1"
)

// Manifest lists every file of a pack with its size and SHA-256, and says
// what the pack was made from.
type Manifest struct {
	Format    string         `json:"format"`
	Release   string         `json:"release"`
	CreatedAt time.Time      `json:"createdAt"`
	Filters   Filters        `json:"filters"`
	Versions  Versions       `json:"versions"`
	Runs      []ManifestRun  `json:"runs"`
	Files     []File         `json:"files"`
	Signature *SignatureInfo `json:"signature,omitempty"`
}

// Filters are the narrowing the pack was exported with (empty: all).
type Filters struct {
	Journeys []string `json:"journeys"`
	Langs    []string `json:"langs"`
	Devices  []string `json:"devices"`
}

// Versions are the versions of the tools that made the evidence.
type Versions struct {
	Journeyproof string `json:"journeyproof"`
	Chromium     string `json:"chromium"`
	FFmpeg       string `json:"ffmpeg"`
}

// ManifestRun is a run included in the pack.
type ManifestRun struct {
	ID uint `json:"id"`
	RunCell
	Status    string     `json:"status"`
	StartedAt time.Time  `json:"startedAt"`
	EndedAt   *time.Time `json:"endedAt,omitempty"`
	Browser   string     `json:"browser,omitempty"`
}

// RunCell is the cell a run of the pack ran, as the manifest and
// report.json give it beside the run and each of its findings.
type RunCell struct {
	// Cell is journey/lang/device, and /branch off the main path.
	Cell    string `json:"cell"`
	Journey string `json:"journey"`
	Process string `json:"process"`
	Lang    string `json:"lang"`
	Device  string `json:"device"`
}

// File is one file of a pack.
type File struct {
	Path   string `json:"path"`
	Size   int64  `json:"size"`
	SHA256 string `json:"sha256"`
}

// SignatureInfo says how the manifest is signed: manifest.sig holds the
// base64 Ed25519 signature of the exact bytes of manifest.json, made with
// the key whose public half has this SHA-256 fingerprint. (The
// fingerprint is written before signing, so it is signed too.)
type SignatureInfo struct {
	Algorithm string `json:"algorithm"`
	File      string `json:"file"`
	Key       string `json:"key"`
}

func newManifest(o *Options, sel *selection, files []File) *Manifest {
	m := &Manifest{Format: Format, Release: sel.release, CreatedAt: o.Now.UTC(),
		Filters:  Filters{Journeys: nonNil(o.Journeys), Langs: nonNil(o.Langs), Devices: nonNil(o.Devices)},
		Versions: Versions{Journeyproof: o.Version, Chromium: o.ChromiumVersion, FFmpeg: o.FFmpegVersion},
		Files:    files}
	for _, r := range sel.runs {
		m.Runs = append(m.Runs, ManifestRun{ID: r.ID, RunCell: cellOf(r),
			Status: r.Status, StartedAt: r.StartedAt.UTC(), EndedAt: utcPtr(r.EndedAt), Browser: r.BrowserVersion})
	}
	if o.SignKey != nil {
		m.Signature = &SignatureInfo{Algorithm: "Ed25519", File: SignatureName, Key: KeyFingerprint(o.SignKey.Public().(ed25519.PublicKey))}
	}
	return m
}

func nonNil(xs []string) []string {
	if xs == nil {
		return []string{}
	}
	return xs
}

func (m *Manifest) encode() ([]byte, error) {
	data, err := json.MarshalIndent(m, "", "  ")
	if err != nil {
		return nil, fmt.Errorf("write manifest: %w", err)
	}
	return append(data, '\n'), nil
}

// signManifest returns the content of manifest.sig: the base64 Ed25519
// signature of the manifest's bytes, and a newline.
func signManifest(key ed25519.PrivateKey, manifest []byte) []byte {
	sig := ed25519.Sign(key, manifest)
	return []byte(base64.StdEncoding.EncodeToString(sig) + "\n")
}

// KeyFingerprint is the SHA-256 of a public key, in hex, as the manifest
// and verify-pack name it.
func KeyFingerprint(pub ed25519.PublicKey) string {
	sum := sha256.Sum256(pub)
	return "sha256:" + hex.EncodeToString(sum[:])
}

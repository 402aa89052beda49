package pack

import (
	"archive/zip"
	"bytes"
	"crypto/ed25519"
	"crypto/sha256"
	"encoding/base64"
	"encoding/hex"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"sort"
	"strings"
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
	ID        uint       `json:"id"`
	Cell      string     `json:"cell"`
	Journey   string     `json:"journey"`
	Process   string     `json:"process"`
	Lang      string     `json:"lang"`
	Device    string     `json:"device"`
	Status    string     `json:"status"`
	StartedAt time.Time  `json:"startedAt"`
	EndedAt   *time.Time `json:"endedAt,omitempty"`
	Browser   string     `json:"browser,omitempty"`
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
		mr := ManifestRun{ID: r.ID, Cell: r.Cell(), Journey: r.JourneyID, Process: r.Process, Lang: r.Lang, Device: r.Device,
			Status: r.Status, StartedAt: r.StartedAt.UTC(), Browser: r.BrowserVersion}
		if r.EndedAt != nil {
			t := r.EndedAt.UTC()
			mr.EndedAt = &t
		}
		m.Runs = append(m.Runs, mr)
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

// VerifyResult is what Verify found in a pack.
type VerifyResult struct {
	// Manifest is the pack's manifest as read.
	Manifest *Manifest `json:"manifest"`
	// Checked is the number of files whose hash was recomputed.
	Checked int `json:"checked"`
	// Added lists files in the zip that the manifest does not list;
	// Removed the files it lists that are not in the zip; Changed the
	// files whose size, hash or zip checksum differ, with Reasons saying
	// how.
	Added   []string          `json:"added"`
	Removed []string          `json:"removed"`
	Changed []string          `json:"changed"`
	Reasons map[string]string `json:"reasons,omitempty"`
	// Signed reports whether the pack has manifest.sig.
	Signed bool `json:"signed"`
	// SignatureChecked reports whether a public key was given and the
	// signature checked with it; SignatureValid whether it verified.
	SignatureChecked bool `json:"signatureChecked"`
	SignatureValid   bool `json:"signatureValid"`
	// SignatureError says why the signature did not verify.
	SignatureError string `json:"signatureError,omitempty"`
}

// Intact reports whether every file matches the manifest, no file was added
// or removed, and the signature verified when it was checked.
func (v *VerifyResult) Intact() bool {
	return len(v.Added) == 0 && len(v.Removed) == 0 && len(v.Changed) == 0 && (!v.SignatureChecked || v.SignatureValid)
}

// Problems lists what is wrong, one line each ("changed: report.json
// (SHA-256 differs)"), in a stable order.
func (v *VerifyResult) Problems() []string {
	var out []string
	for _, p := range v.Changed {
		out = append(out, "changed: "+p+" ("+v.Reasons[p]+")")
	}
	for _, p := range v.Removed {
		out = append(out, "removed: "+p)
	}
	for _, p := range v.Added {
		out = append(out, "added: "+p)
	}
	if v.SignatureChecked && !v.SignatureValid {
		out = append(out, "signature: "+v.SignatureError)
	}
	return out
}

// Verify opens the pack at path, recomputes the hash and size of every
// file, and compares them with the manifest. With pub, it also checks the
// manifest's Ed25519 signature. It returns an error only when the pack
// cannot be read at all (not a zip, no manifest); a changed pack is a
// result whose Intact is false.
func Verify(path string, pub ed25519.PublicKey) (*VerifyResult, error) {
	zr, err := zip.OpenReader(path)
	if err != nil {
		return nil, fmt.Errorf("verify pack %s: %w", path, err)
	}
	defer zr.Close()
	entries := map[string]*zip.File{}
	for _, f := range zr.File {
		if strings.HasSuffix(f.Name, "/") {
			continue
		}
		if _, dup := entries[f.Name]; dup {
			return nil, fmt.Errorf("verify pack %s: the zip holds %s twice", path, f.Name)
		}
		entries[f.Name] = f
	}
	mf := entries[ManifestName]
	if mf == nil {
		return nil, fmt.Errorf("verify pack %s: no %s in the zip; is it a journeyproof pack?", path, ManifestName)
	}
	data, err := readEntry(mf)
	if err != nil {
		return nil, fmt.Errorf("verify pack %s: read %s: %w", path, ManifestName, err)
	}
	var m Manifest
	if err := json.Unmarshal(data, &m); err != nil {
		return nil, fmt.Errorf("verify pack %s: %s is not valid JSON: %w", path, ManifestName, err)
	}
	res := &VerifyResult{Manifest: &m, Added: []string{}, Removed: []string{}, Changed: []string{}, Reasons: map[string]string{}}
	listed := map[string]bool{ManifestName: true, SignatureName: true}
	for _, f := range m.Files {
		listed[f.Path] = true
		zf := entries[f.Path]
		if zf == nil {
			res.Removed = append(res.Removed, f.Path)
			continue
		}
		res.Checked++
		size, sum, err := hashEntry(zf)
		switch {
		case err != nil:
			res.changed(f.Path, "cannot be read: "+err.Error())
		case size != f.Size:
			res.changed(f.Path, fmt.Sprintf("size %d, manifest says %d", size, f.Size))
		case sum != f.SHA256:
			res.changed(f.Path, "SHA-256 differs from the manifest")
		}
	}
	for name := range entries {
		if !listed[name] {
			res.Added = append(res.Added, name)
		}
	}
	sort.Strings(res.Added)
	sig := entries[SignatureName]
	res.Signed = sig != nil
	if pub != nil {
		res.SignatureChecked = true
		res.SignatureError = checkSignature(sig, data, pub, &m)
		res.SignatureValid = res.SignatureError == ""
	}
	return res, nil
}

func (v *VerifyResult) changed(path, reason string) {
	v.Changed = append(v.Changed, path)
	v.Reasons[path] = reason
}

func checkSignature(sig *zip.File, manifest []byte, pub ed25519.PublicKey, m *Manifest) string {
	if sig == nil {
		return "the pack is not signed (no " + SignatureName + ")"
	}
	raw, err := readEntry(sig)
	if err != nil {
		return "cannot read " + SignatureName + ": " + err.Error()
	}
	s, err := decodeSignature(raw)
	if err != nil {
		return err.Error()
	}
	if !ed25519.Verify(pub, manifest, s) {
		if m.Signature != nil && m.Signature.Key != KeyFingerprint(pub) {
			return "does not verify: the manifest was changed, or it was signed with another key (" + m.Signature.Key + ", not " + KeyFingerprint(pub) + ")"
		}
		return "does not verify: the manifest was changed after it was signed, or the signature is not from this key"
	}
	return ""
}

func decodeSignature(raw []byte) ([]byte, error) {
	if len(raw) == ed25519.SignatureSize {
		return raw, nil
	}
	s, err := base64.StdEncoding.DecodeString(strings.TrimSpace(string(raw)))
	if err != nil || len(s) != ed25519.SignatureSize {
		return nil, errors.New(SignatureName + " is not a base64 Ed25519 signature")
	}
	return s, nil
}

func readEntry(f *zip.File) ([]byte, error) {
	rc, err := f.Open()
	if err != nil {
		return nil, err
	}
	defer rc.Close()
	var buf bytes.Buffer
	if _, err := io.Copy(&buf, rc); err != nil {
		return nil, err
	}
	return buf.Bytes(), nil
}

// hashEntry reads a zip entry through (so that the zip's own checksum is
// checked too) and returns its size and SHA-256.
func hashEntry(f *zip.File) (int64, string, error) {
	rc, err := f.Open()
	if err != nil {
		return 0, "", err
	}
	defer rc.Close()
	h := sha256.New()
	n, err := io.Copy(h, rc)
	if err != nil {
		return n, "", err
	}
	return n, hex.EncodeToString(h.Sum(nil)), nil
}

package pack

import (
	"archive/zip"
	"crypto/ed25519"
	"crypto/sha256"
	"encoding/base64"
	"encoding/hex"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"os"
	"sort"
	"strings"
	"time"
	"unicode"
)

// Limits Verify holds to, so that a pack made to exhaust memory (a small
// zip that inflates to a huge manifest) is refused instead of read.
const (
	// MaxManifestSize is the largest manifest.json Verify reads. A pack of
	// a thousand runs has a manifest of well under 1 MiB.
	MaxManifestSize = 16 << 20
	// maxSignatureSize is the largest manifest.sig Verify reads.
	maxSignatureSize = 4 << 10
	// maxReportSize is the largest report.json or coverage.json Verify
	// reads to cross-check the manifest against.
	maxReportSize = 32 << 20
)

// VerifyResult is what Verify found in a pack.
type VerifyResult struct {
	// Manifest is the pack's manifest as read.
	Manifest *Manifest `json:"manifest"`
	// ManifestDigest is the SHA-256 of manifest.json's bytes
	// ("sha256:<hex>"). Export prints it; recorded elsewhere (a submission
	// form, a CI log), it pins an unsigned pack as a signature would.
	ManifestDigest string `json:"manifestDigest"`
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
	// Structure lists what is wrong with the zip itself: bytes or entries
	// its directory does not list (a tool that reads the zip front to back
	// would show them), entries whose local header disagrees with the
	// directory, names twice, names unsafe to extract.
	Structure []string `json:"structure"`
	// Inconsistent lists the manifest's own fields (release, runs, their
	// cells and statuses) that disagree with report.json or coverage.json,
	// whose bytes the manifest's hashes vouch for.
	Inconsistent []string `json:"inconsistent"`
	// HasSignature reports whether the pack has manifest.sig; it says
	// nothing of whether the signature is good.
	HasSignature bool `json:"hasSignature"`
	// SignatureChecked reports whether a public key was given and the
	// signature checked with it; SignatureValid whether it verified.
	SignatureChecked bool `json:"signatureChecked"`
	SignatureValid   bool `json:"signatureValid"`
	// SignatureError says why the signature did not verify.
	SignatureError string `json:"signatureError,omitempty"`
}

// Intact reports whether the zip is well formed, every file matches the
// manifest, no file was added or removed, the manifest agrees with the
// reports, and the signature verified when it was checked.
func (v *VerifyResult) Intact() bool {
	return len(v.Added) == 0 && len(v.Removed) == 0 && len(v.Changed) == 0 && len(v.Structure) == 0 &&
		len(v.Inconsistent) == 0 && (!v.SignatureChecked || v.SignatureValid)
}

// Problems lists what is wrong, one line each ("changed: report.json
// (SHA-256 differs)"), in a stable order.
func (v *VerifyResult) Problems() []string {
	var out []string
	for _, p := range v.Structure {
		out = append(out, "zip: "+p)
	}
	for _, p := range v.Changed {
		out = append(out, "changed: "+p+" ("+v.Reasons[p]+")")
	}
	for _, p := range v.Removed {
		out = append(out, "removed: "+p)
	}
	for _, p := range v.Added {
		out = append(out, "added: "+p)
	}
	for _, p := range v.Inconsistent {
		out = append(out, "manifest: "+p)
	}
	if v.SignatureChecked && !v.SignatureValid {
		out = append(out, "signature: "+v.SignatureError)
	}
	return out
}

// Verify opens the pack at path and checks it:
//   - the zip itself: every byte before its directory belongs to an entry
//     the directory lists, in order, with a local header that agrees
//     with it (so a reader going front to back sees what the directory
//     says), no name twice, no name unsafe to extract;
//   - every file against the manifest's size and SHA-256, streamed, and
//     stopping at the size the manifest gives;
//   - the manifest's own fields against report.json and coverage.json;
//   - with pub, the manifest's Ed25519 signature.
//
// It returns an error only when the pack cannot be read at all (not a
// zip, no manifest, a manifest over MaxManifestSize); a changed pack is a
// result whose Intact is false.
func Verify(path string, pub ed25519.PublicKey) (*VerifyResult, error) {
	f, err := os.Open(path)
	if err != nil {
		return nil, fmt.Errorf("verify pack %s: %w", path, err)
	}
	defer f.Close()
	fi, err := f.Stat()
	if err != nil {
		return nil, fmt.Errorf("verify pack %s: %w", path, err)
	}
	zr, err := zip.NewReader(f, fi.Size())
	if errors.Is(err, zip.ErrInsecurePath) {
		err = nil // the names are checked below, each with its reason
	}
	if err != nil {
		return nil, fmt.Errorf("verify pack %s: not a zip: %w", path, err)
	}
	res := &VerifyResult{Added: []string{}, Removed: []string{}, Changed: []string{}, Structure: []string{},
		Inconsistent: []string{}, Reasons: map[string]string{}}
	res.Structure = append(res.Structure, checkLayout(f, fi.Size(), zr.File)...)
	entries := map[string]*zip.File{}
	folded := map[string]string{}
	for _, zf := range zr.File {
		if why := unsafeName(zf.Name); why != "" {
			res.Structure = append(res.Structure, fmt.Sprintf("entry %q has an unsafe name (%s)", zf.Name, why))
			continue
		}
		if prev, dup := folded[strings.ToLower(zf.Name)]; dup {
			res.Structure = append(res.Structure, fmt.Sprintf("entry %s is in the zip twice (as %s too)", zf.Name, prev))
			continue
		}
		folded[strings.ToLower(zf.Name)] = zf.Name
		if strings.HasSuffix(zf.Name, "/") && zf.UncompressedSize64 == 0 {
			continue // a folder entry holds nothing
		}
		entries[zf.Name] = zf
	}
	mf := entries[ManifestName]
	if mf == nil {
		return nil, fmt.Errorf("verify pack %s: no %s in the zip; is it a journeyproof pack?", path, ManifestName)
	}
	data, err := readLimited(mf, MaxManifestSize)
	if err != nil {
		return nil, fmt.Errorf("verify pack %s: %s: %w", path, ManifestName, err)
	}
	sum := sha256.Sum256(data)
	res.ManifestDigest = "sha256:" + hex.EncodeToString(sum[:])
	var m Manifest
	if err := json.Unmarshal(data, &m); err != nil {
		return nil, fmt.Errorf("verify pack %s: %s is not valid JSON: %w", path, ManifestName, err)
	}
	res.Manifest = &m
	listed := map[string]bool{ManifestName: true, SignatureName: true}
	good := map[string]bool{}
	for _, lf := range m.Files {
		if why := unsafeName(lf.Path); why != "" {
			res.Inconsistent = append(res.Inconsistent, fmt.Sprintf("lists %q, an unsafe name (%s)", lf.Path, why))
			continue
		}
		if listed[lf.Path] {
			res.Inconsistent = append(res.Inconsistent, fmt.Sprintf("lists %s twice", lf.Path))
			continue
		}
		listed[lf.Path] = true
		zf := entries[lf.Path]
		if zf == nil {
			res.Removed = append(res.Removed, lf.Path)
			continue
		}
		res.Checked++
		if zf.UncompressedSize64 != uint64(lf.Size) {
			res.changed(lf.Path, fmt.Sprintf("size %d, manifest says %d", zf.UncompressedSize64, lf.Size))
			continue
		}
		size, sum, err := hashEntry(zf, lf.Size)
		switch {
		case err != nil:
			res.changed(lf.Path, "cannot be read: "+err.Error())
		case size != lf.Size:
			res.changed(lf.Path, fmt.Sprintf("size %d, manifest says %d", size, lf.Size))
		case sum != lf.SHA256:
			res.changed(lf.Path, "SHA-256 differs from the manifest")
		default:
			good[lf.Path] = true
		}
	}
	for name := range entries {
		if !listed[name] {
			res.Added = append(res.Added, name)
		}
	}
	sort.Strings(res.Added)
	res.Inconsistent = append(res.Inconsistent, crossCheck(&m, entries, good)...)
	sig := entries[SignatureName]
	res.HasSignature = sig != nil
	if sig == nil && m.Signature != nil {
		res.Inconsistent = append(res.Inconsistent, fmt.Sprintf("says it is signed (key %s) but the pack has no %s", m.Signature.Key, SignatureName))
	}
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

// unsafeName says why a name in a pack could write outside the folder it
// is extracted to, or is not a plain relative path ("" when it is safe).
func unsafeName(name string) string {
	switch {
	case name == "":
		return "empty"
	case strings.ContainsRune(name, '\\'):
		return "backslash"
	case strings.HasPrefix(name, "/"):
		return "absolute"
	case len(name) >= 2 && name[1] == ':':
		return "drive letter"
	}
	for _, r := range name {
		if r == 0 || unicode.IsControl(r) {
			return "control character"
		}
	}
	parts := strings.Split(strings.TrimSuffix(name, "/"), "/")
	for _, p := range parts {
		switch p {
		case "..":
			return "parent folder"
		case ".", "":
			return "empty or . path element"
		}
		if strings.ContainsRune(p, ':') {
			return "colon"
		}
	}
	return ""
}

func checkSignature(sig *zip.File, manifest []byte, pub ed25519.PublicKey, m *Manifest) string {
	if sig == nil {
		return "the pack is not signed (no " + SignatureName + ")"
	}
	raw, err := readLimited(sig, maxSignatureSize)
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

// readLimited reads a zip entry of at most limit bytes: the size the
// directory gives is checked first, and the reading stops at limit
// whatever the directory says.
func readLimited(f *zip.File, limit int64) ([]byte, error) {
	if f.UncompressedSize64 > uint64(limit) {
		return nil, fmt.Errorf("%d bytes, more than the %d a pack's %s may have", f.UncompressedSize64, limit, f.Name)
	}
	rc, err := f.Open()
	if err != nil {
		return nil, err
	}
	defer rc.Close()
	data, err := io.ReadAll(io.LimitReader(rc, limit+1))
	if err != nil {
		return nil, err
	}
	if int64(len(data)) > limit {
		return nil, fmt.Errorf("more than the %d bytes a pack's %s may have", limit, f.Name)
	}
	return data, nil
}

// hashEntry reads a zip entry through (so that the zip's own checksum is
// checked too), at most want+1 bytes, and returns its size and SHA-256.
func hashEntry(f *zip.File, want int64) (int64, string, error) {
	rc, err := f.Open()
	if err != nil {
		return 0, "", err
	}
	defer rc.Close()
	h := sha256.New()
	n, err := io.Copy(h, io.LimitReader(rc, want+1))
	if err != nil {
		return n, "", err
	}
	return n, hex.EncodeToString(h.Sum(nil)), nil
}

// crossCheck compares the manifest's own fields with report.json and
// coverage.json, when their bytes matched the manifest's hashes. In an
// unsigned pack this catches an edit to the manifest alone (a run's status,
// a cell's name, the release): to pass, the forger must also rewrite the
// report, and then the report's hash in the manifest, which only the
// signature or the manifest digest recorded at export time can catch.
func crossCheck(m *Manifest, entries map[string]*zip.File, good map[string]bool) []string {
	var out []string
	var rep struct {
		Release   string    `json:"release"`
		CreatedAt time.Time `json:"createdAt"`
		Versions  Versions  `json:"versions"`
		Runs      []jsonRun `json:"runs"`
	}
	var cov struct {
		Release string  `json:"release"`
		Filters Filters `json:"filters"`
		Cells   int     `json:"cells"`
		Cover   []Cell  `json:"coverage"`
	}
	read := func(name string, v any) bool {
		if !good[name] {
			if entries[name] == nil || !listedIn(m, name) {
				out = append(out, "lists no "+name+" to check its runs against")
			}
			return false
		}
		data, err := readLimited(entries[name], maxReportSize)
		if err == nil {
			err = json.Unmarshal(data, v)
		}
		if err != nil {
			out = append(out, "cannot check against "+name+": "+err.Error())
			return false
		}
		return true
	}
	if read("report.json", &rep) {
		if rep.Release != m.Release {
			out = append(out, fmt.Sprintf("release %q, report.json says %q", m.Release, rep.Release))
		}
		if !rep.CreatedAt.Equal(m.CreatedAt) {
			out = append(out, fmt.Sprintf("created %s, report.json says %s", m.CreatedAt.Format(time.RFC3339), rep.CreatedAt.Format(time.RFC3339)))
		}
		if rep.Versions != m.Versions {
			out = append(out, fmt.Sprintf("versions %+v, report.json says %+v", m.Versions, rep.Versions))
		}
		out = append(out, compareRuns(m.Runs, rep.Runs)...)
	}
	if read("coverage.json", &cov) {
		if cov.Release != m.Release {
			out = append(out, fmt.Sprintf("release %q, coverage.json says %q", m.Release, cov.Release))
		}
		if !sameStrings(cov.Filters.Journeys, m.Filters.Journeys) || !sameStrings(cov.Filters.Langs, m.Filters.Langs) || !sameStrings(cov.Filters.Devices, m.Filters.Devices) {
			out = append(out, fmt.Sprintf("filters %+v, coverage.json says %+v", m.Filters, cov.Filters))
		}
		ran := map[uint]Cell{}
		for _, c := range cov.Cover {
			if c.Run != 0 {
				ran[c.Run] = c
			}
		}
		for _, r := range m.Runs {
			c, ok := ran[r.ID]
			switch {
			case !ok:
				out = append(out, fmt.Sprintf("run %d (%s) is in no cell of coverage.json", r.ID, r.Cell))
			case c.Cell != r.Cell || c.Status != r.Status:
				out = append(out, fmt.Sprintf("run %d is %s %s, coverage.json says %s %s", r.ID, r.Cell, r.Status, c.Cell, c.Status))
			}
			delete(ran, r.ID)
		}
		for id, c := range ran {
			out = append(out, fmt.Sprintf("has no run %d, coverage.json has it for %s", id, c.Cell))
		}
	}
	sort.Strings(out)
	return out
}

func listedIn(m *Manifest, name string) bool {
	for _, f := range m.Files {
		if f.Path == name {
			return true
		}
	}
	return false
}

func compareRuns(man []ManifestRun, rep []jsonRun) []string {
	var out []string
	byID := map[uint]jsonRun{}
	for _, r := range rep {
		byID[r.ID] = r
	}
	for _, r := range man {
		x, ok := byID[r.ID]
		if !ok {
			out = append(out, fmt.Sprintf("run %d (%s) is not in report.json", r.ID, r.Cell))
			continue
		}
		delete(byID, r.ID)
		field := func(name, a, b string) {
			if a != b {
				out = append(out, fmt.Sprintf("run %d %s %q, report.json says %q", r.ID, name, a, b))
			}
		}
		field("cell", r.Cell, x.Cell)
		field("journey", r.Journey, x.Journey)
		field("process", r.Process, x.Process)
		field("lang", r.Lang, x.Lang)
		field("device", r.Device, x.Device)
		field("status", r.Status, x.Status)
		field("browser", r.Browser, x.Browser)
		field("start", r.StartedAt.UTC().Format(time.RFC3339Nano), x.StartedAt.UTC().Format(time.RFC3339Nano))
		field("end", timeText(r.EndedAt), timeText(x.EndedAt))
	}
	for id, x := range byID {
		out = append(out, fmt.Sprintf("has no run %d, report.json has it (%s)", id, x.Cell))
	}
	return out
}

func timeText(t *time.Time) string {
	if t == nil {
		return ""
	}
	return t.UTC().Format(time.RFC3339Nano)
}

func sameStrings(a, b []string) bool {
	if len(a) != len(b) {
		return false
	}
	for i := range a {
		if a[i] != b[i] {
			return false
		}
	}
	return true
}

// Package pack exports a release as an evidence pack: one zip with a
// wireframe PDF per business process (printed by Chromium from an HTML
// storyboard), each run's workflow video and captions, the verification
// report (HTML, JSON, JUnit XML), the coverage of the release's cells, and a
// manifest of every file's SHA-256 that may be signed with Ed25519 and that
// Verify checks later.
package pack

import (
	"archive/zip"
	"bufio"
	"context"
	"crypto/ed25519"
	"crypto/sha256"
	"encoding/hex"
	"errors"
	"fmt"
	"io"
	"os"
	"path/filepath"
	"time"

	"journeyproof/journeys/chrome"
	"journeyproof/preflight"
	"journeyproof/recordings"
)

// DefaultHold is how long each step's settled screen stays in a
// submission video when Options.Hold is zero.
const DefaultHold = 2 * time.Second

// Options say what to export and how.
type Options struct {
	// Store is the evidence store to read.
	Store *recordings.Store
	// Browser prints the wireframe PDFs. When nil, Export and Write start
	// their own Chromium for the export and stop it after.
	Browser *chrome.Browser
	// Release is the release label whose runs go into the pack.
	Release string
	// Journeys, Langs and Devices narrow the pack; empty means all.
	Journeys, Langs, Devices []string
	// Rules are the ids of the rules the runs were checked with; each run
	// gets one JUnit test case per rule. Empty means the rules that have
	// findings in the pack.
	Rules []string
	// SignKey, when set, signs the manifest (manifest.sig).
	SignKey ed25519.PrivateKey
	// Version, ChromiumVersion and FFmpegVersion go into the manifest and
	// on the wireframe covers. ChromiumVersion defaults to the browser's.
	Version, ChromiumVersion, FFmpegVersion string
	// Now is the time the pack is dated; zero means time.Now().
	Now time.Time
	// Preflight, when set, is the service's preflight of the integration
	// checklist: written as preflight.json and summed up in report.html.
	Preflight *preflight.Report
	// Expected are the business processes the service file lists, each a
	// journey with the languages and devices it must be evidenced in: a
	// process the release did not run is missing from the pack, and so is
	// every cell of its matrix. Empty means the journeys the release ran.
	Expected []*recordings.Journey
	// ServiceName and Origin come from the service file: the name heads
	// the wireframes, and the production origin replaces the test host in
	// every URL the wireframes show ("" leaves the host as recorded).
	ServiceName, Origin string
	// Hold is how long each step's settled screen stays in the submission
	// videos (DefaultHold when zero); NoRenditions leaves them out.
	Hold         time.Duration
	NoRenditions bool
}

// Summary is what an export wrote.
type Summary struct {
	// Release is the exported release.
	Release string `json:"release"`
	// Files is the number of files in the zip, manifest included, and
	// Bytes the size of the zip.
	Files int   `json:"files"`
	Bytes int64 `json:"bytes"`
	// Runs is the number of runs in the pack (one per cell that was run).
	Runs int `json:"runs"`
	// Cells is the number of cells in the coverage.
	Cells int `json:"cells"`
	// Wireframes lists the PDFs and their page counts.
	Wireframes []Wireframe `json:"wireframes"`
	// Videos is the number of videos in the pack.
	Videos int `json:"videos"`
	// Submission lists the submission renditions: one per run, then one
	// combined video per process.
	Submission []Submission `json:"submission"`
	// Missing lists the cells of the journeys' matrices with no run;
	// Failed the cells whose run failed; Errors the cells whose run has
	// error findings that are not waived; NoVideo the runs with no video.
	Missing []string `json:"missing"`
	Failed  []string `json:"failed"`
	Errors  []string `json:"errors"`
	NoVideo []string `json:"noVideo"`
	// Completeness says, per business process, what the pack lacks.
	Completeness Completeness `json:"completeness"`
	// Signed reports whether the pack has a manifest signature.
	Signed bool `json:"signed"`
	// ManifestDigest is the SHA-256 of manifest.json ("sha256:<hex>"):
	// recorded elsewhere, verify-pack --digest checks an unsigned pack
	// against it.
	ManifestDigest string `json:"manifestDigest"`
	// Duration is how long the export took.
	Duration time.Duration `json:"durationNs"`
}

// Submission is one submission video of the pack.
type Submission struct {
	Path       string `json:"path"`
	Process    string `json:"process"`
	DurationMS int64  `json:"durationMs"`
	Chapters   int    `json:"chapters"`
}

// Wireframe is one wireframe PDF of the pack.
type Wireframe struct {
	Path    string `json:"path"`
	Process string `json:"process"`
	Pages   int    `json:"pages"`
	Bytes   int64  `json:"bytes"`
}

// Export writes the pack to path through a temporary file in the same
// folder and a rename, so that no partial zip is ever left at path: on any
// error the temporary file is removed and path is untouched.
func Export(ctx context.Context, o Options, path string) (*Summary, error) {
	start := time.Now()
	sel, err := selectRuns(&o)
	if err != nil {
		return nil, err
	}
	if fi, err := os.Stat(path); err == nil && fi.IsDir() {
		return nil, fmt.Errorf("write pack %s: is a folder; give a file name such as %s", path, filepath.Join(path, o.Release+"-pack.zip"))
	}
	dir := filepath.Dir(path)
	if fi, err := os.Stat(dir); err != nil {
		return nil, fmt.Errorf("write pack %s: folder %s does not exist", path, dir)
	} else if !fi.IsDir() {
		return nil, fmt.Errorf("write pack %s: %s is not a folder", path, dir)
	}
	tmp, err := os.CreateTemp(dir, "."+filepath.Base(path)+".tmp-*")
	if err != nil {
		var pe *os.PathError
		if errors.As(err, &pe) {
			err = pe.Err
		}
		return nil, fmt.Errorf("write pack %s: cannot create a file in %s: %w", path, dir, err)
	}
	ok := false
	defer func() {
		if !ok {
			tmp.Close()
			os.Remove(tmp.Name())
		}
	}()
	bw := bufio.NewWriterSize(tmp, 1<<20)
	sum, err := write(ctx, &o, sel, bw, start)
	if err != nil {
		return nil, err
	}
	if err := bw.Flush(); err != nil {
		return nil, fmt.Errorf("write pack %s: %w", path, err)
	}
	if err := tmp.Sync(); err != nil {
		return nil, fmt.Errorf("write pack %s: %w", path, err)
	}
	if err := tmp.Chmod(0o644); err != nil {
		return nil, fmt.Errorf("write pack %s: %w", path, err)
	}
	if err := tmp.Close(); err != nil {
		return nil, fmt.Errorf("write pack %s: %w", path, err)
	}
	if err := os.Rename(tmp.Name(), path); err != nil {
		return nil, fmt.Errorf("write pack %s: %w", path, err)
	}
	ok = true
	sum.Duration = time.Since(start)
	return sum, nil
}

// Write writes the pack as a zip to w (for example an HTTP response). The
// wireframes are printed before the first byte is written, so a bad
// release, no runs or a browser failure return an error with w untouched.
func Write(ctx context.Context, o Options, w io.Writer) (*Summary, error) {
	start := time.Now()
	sel, err := selectRuns(&o)
	if err != nil {
		return nil, err
	}
	sum, err := write(ctx, &o, sel, w, start)
	if err != nil {
		return nil, err
	}
	sum.Duration = time.Since(start)
	return sum, nil
}

func write(ctx context.Context, o *Options, sel *selection, w io.Writer, start time.Time) (*Summary, error) {
	if o.Now.IsZero() {
		o.Now = start
	}
	b := o.Browser
	if b == nil {
		var err error
		if b, err = chrome.StartBrowser(ctx, chrome.BrowserOptions{}); err != nil {
			return nil, fmt.Errorf("export pack: %w", err)
		}
		defer b.Close()
	}
	if o.ChromiumVersion == "" {
		o.ChromiumVersion = b.Version()
	}
	tmpDir, err := os.MkdirTemp("", "journeyproof-pack-*")
	if err != nil {
		return nil, fmt.Errorf("export pack: %w", err)
	}
	defer os.RemoveAll(tmpDir)

	videos := collectVideos(o.Store, sel)
	for i, c := range sel.cells {
		if v := videos[c.Run]; v != nil && c.Run != 0 {
			sel.cells[i].Video = v.path + ".mp4"
		}
		if c.Run != 0 {
			sel.cells[i].Wireframe = "wireframes/" + processFile(c.Process) + ".pdf"
		}
	}
	wires, err := printWireframes(ctx, b, o, sel, videos, tmpDir)
	if err != nil {
		return nil, err
	}
	var rends []renditionFile
	if !o.NoRenditions {
		if rends, err = makeRenditions(ctx, b, o, sel, tmpDir); err != nil {
			return nil, err
		}
	}

	cw := &countingWriter{w: w}
	zw := &packWriter{zip: zip.NewWriter(cw), modified: o.Now}
	sum := &Summary{Release: sel.release, Runs: len(sel.runs), Cells: len(sel.cells), Signed: o.SignKey != nil,
		Missing: []string{}, Failed: []string{}, Errors: []string{}, NoVideo: []string{}}
	for _, wf := range wires {
		if err := zw.addFile(wf.Path, wf.file, zip.Store); err != nil {
			return nil, err
		}
		sum.Wireframes = append(sum.Wireframes, wf.Wireframe)
	}
	for _, r := range sel.runs {
		v := videos[r.ID]
		if v == nil {
			sum.NoVideo = append(sum.NoVideo, runCell(r))
			continue
		}
		if err := zw.addArtifact(v.path+".mp4", o.Store, v.video, zip.Store); err != nil {
			return nil, err
		}
		if v.captions != "" {
			if err := zw.addArtifact(v.path+".vtt", o.Store, v.captions, zip.Deflate); err != nil {
				return nil, err
			}
		}
		sum.Videos++
	}
	for _, f := range rends {
		if err := zw.addFile(f.Path+".mp4", f.file+".mp4", zip.Store); err != nil {
			return nil, err
		}
		if err := zw.addFile(f.Path+".vtt", f.file+".vtt", zip.Deflate); err != nil {
			return nil, err
		}
		sum.Submission = append(sum.Submission, Submission{Path: f.Path + ".mp4", Process: f.Process, DurationMS: f.r.Duration().Milliseconds(), Chapters: len(f.r.Chapters())})
	}
	shots := collectShots(o.Store, sel)
	for _, r := range sel.runs {
		for _, sh := range shots[r.ID] {
			if err := zw.addFile(sh.Full, o.Store.ArtifactPath(sh.sha), zip.Store); err != nil {
				return nil, err
			}
			thumb, err := thumbnail(o.Store.ArtifactPath(sh.sha))
			if err != nil {
				return nil, fmt.Errorf("write pack: thumbnail of %s: %w", sh.Full, err)
			}
			if err := zw.add(sh.Thumb, zip.Store, func(w io.Writer) error { _, err := w.Write(thumb); return err }); err != nil {
				return nil, err
			}
		}
	}
	for _, c := range sel.cells {
		switch {
		case c.State == CellMissing:
			sum.Missing = append(sum.Missing, c.Cell)
		case c.State == CellFailed:
			sum.Failed = append(sum.Failed, c.Cell)
		}
		if c.Errors > 0 {
			sum.Errors = append(sum.Errors, c.Cell)
		}
	}
	sum.Completeness = completeness(sel)
	rep := buildReport(o, sel, videos, wires)
	rep.addShots(shots)
	if err := rep.addApprovals(o.Store, sel); err != nil {
		return nil, err
	}
	docs := []struct {
		name  string
		write func(io.Writer) error
	}{
		{"coverage.json", func(w io.Writer) error { return writeJSON(w, rep.coverageDoc()) }},
		{"report.json", func(w io.Writer) error { return writeJSON(w, rep.jsonDoc()) }},
		{"junit.xml", rep.writeJUnit},
		{"report.html", func(w io.Writer) error { return rep.writeHTML(w, o.Store) }},
		{"README.txt", rep.writeReadme},
	}
	if o.Preflight != nil {
		docs = append(docs, struct {
			name  string
			write func(io.Writer) error
		}{"preflight.json", func(w io.Writer) error { return writeJSON(w, o.Preflight) }})
	}
	for _, d := range docs {
		if err := zw.add(d.name, zip.Deflate, d.write); err != nil {
			return nil, err
		}
	}
	man := newManifest(o, sel, zw.files)
	data, err := man.encode()
	if err != nil {
		return nil, err
	}
	if err := zw.add(ManifestName, zip.Deflate, func(w io.Writer) error { _, err := w.Write(data); return err }); err != nil {
		return nil, err
	}
	digest := sha256.Sum256(data)
	sum.ManifestDigest = "sha256:" + hex.EncodeToString(digest[:])
	if o.SignKey != nil {
		sig := signManifest(o.SignKey, data)
		if err := zw.add(SignatureName, zip.Store, func(w io.Writer) error { _, err := w.Write(sig); return err }); err != nil {
			return nil, err
		}
	}
	if err := zw.zip.Close(); err != nil {
		return nil, fmt.Errorf("write pack: %w", err)
	}
	sum.Files = len(zw.files) + 1 // and the manifest
	if o.SignKey != nil {
		sum.Files++
	}
	sum.Bytes = cw.n
	return sum, nil
}

// packWriter writes zip entries and remembers each file's size and hash.
type packWriter struct {
	zip      *zip.Writer
	modified time.Time
	files    []File
}

// add writes one entry; write gets a writer that hashes as it goes.
func (p *packWriter) add(name string, method uint16, write func(io.Writer) error) error {
	_, err := p.addHashed(name, method, write)
	return err
}

// addArtifact copies an artifact of the store into the zip and refuses it
// when the bytes written do not hash to the artifact's name: a file changed
// or cut short on disk must not go into a pack as evidence.
func (p *packWriter) addArtifact(name string, store *recordings.Store, sha string, method uint16) error {
	got, err := p.addHashed(name, method, func(w io.Writer) error {
		f, err := os.Open(store.ArtifactPath(sha))
		if err != nil {
			return err
		}
		defer f.Close()
		_, err = io.Copy(w, f)
		return err
	})
	if err != nil {
		return err
	}
	if got != sha {
		return fmt.Errorf("write pack: artifact %s (for %s) is damaged in the store: its content hashes to %s; run the cell again", sha, name, got)
	}
	return nil
}

// addHashed writes one entry and returns the SHA-256 of its bytes.
func (p *packWriter) addHashed(name string, method uint16, write func(io.Writer) error) (string, error) {
	fw, err := p.zip.CreateHeader(&zip.FileHeader{Name: name, Method: method, Modified: p.modified})
	if err != nil {
		return "", fmt.Errorf("write pack: add %s: %w", name, err)
	}
	h := sha256.New()
	cw := &countingWriter{w: io.MultiWriter(fw, h)}
	if err := write(cw); err != nil {
		return "", fmt.Errorf("write pack: add %s: %w", name, err)
	}
	sum := hex.EncodeToString(h.Sum(nil))
	if name != ManifestName && name != SignatureName {
		p.files = append(p.files, File{Path: name, Size: cw.n, SHA256: sum})
	}
	return sum, nil
}

// addFile copies a file from disk into the zip.
func (p *packWriter) addFile(name, src string, method uint16) error {
	return p.add(name, method, func(w io.Writer) error {
		f, err := os.Open(src)
		if err != nil {
			return err
		}
		defer f.Close()
		_, err = io.Copy(w, f)
		return err
	})
}

type countingWriter struct {
	w io.Writer
	n int64
}

func (c *countingWriter) Write(p []byte) (int, error) {
	n, err := c.w.Write(p)
	c.n += int64(n)
	return n, err
}

// runVideo is a run's video in the store and its path in the pack.
type runVideo struct {
	path            string // without extension
	video, captions string // artifact hashes
}

// collectVideos finds each run's video whose file is in the store.
func collectVideos(store *recordings.Store, sel *selection) map[uint]*runVideo {
	out := map[uint]*runVideo{}
	for _, r := range sel.runs {
		v := r.Video
		if v == nil || !exists(store.ArtifactPath(v.SHA256)) {
			continue
		}
		rv := &runVideo{path: videoPath(r), video: v.SHA256}
		if exists(store.ArtifactPath(v.CaptionsSHA)) {
			rv.captions = v.CaptionsSHA
		}
		out[r.ID] = rv
	}
	return out
}

func exists(path string) bool {
	if path == "" {
		return false
	}
	fi, err := os.Stat(path)
	return err == nil && fi.Mode().IsRegular()
}

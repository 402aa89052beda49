package pack

import (
	"archive/zip"
	"bytes"
	"context"
	"crypto/ed25519"
	"crypto/sha256"
	"encoding/base64"
	"encoding/hex"
	"encoding/json"
	"encoding/xml"
	"fmt"
	"image"
	"image/color"
	"image/jpeg"
	"os"
	"os/exec"
	"path/filepath"
	"regexp"
	"slices"
	"sort"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/chromedp/chromedp"

	"journeyproof/internal/junit"
	"journeyproof/internal/ziptest"
	"journeyproof/recordings"
)

func files(es []ziptest.Entry) map[string][]byte {
	m := map[string][]byte{}
	for _, e := range es {
		m[e.Name] = e.Data
	}
	return m
}

func manifestOf(t *testing.T, es []ziptest.Entry) Manifest {
	t.Helper()
	var m Manifest
	if err := json.Unmarshal(files(es)[ManifestName], &m); err != nil {
		t.Fatalf("manifest.json: %v", err)
	}
	return m
}

// pdfPages returns the text of each page of a PDF, as pdftotext extracts it.
func pdfPages(t *testing.T, pdf []byte) []string {
	t.Helper()
	f := filepath.Join(t.TempDir(), "w.pdf")
	if err := os.WriteFile(f, pdf, 0o644); err != nil {
		t.Fatal(err)
	}
	out, err := exec.Command("pdftotext", "-enc", "UTF-8", f, "-").Output()
	if err != nil {
		t.Fatalf("pdftotext: %v", err)
	}
	pages := strings.Split(string(out), "\f")
	if n := len(pages); n > 0 && strings.TrimSpace(pages[n-1]) == "" {
		pages = pages[:n-1]
	}
	info, err := exec.Command("pdfinfo", f).Output()
	if err != nil {
		t.Fatalf("pdfinfo: %v", err)
	}
	m := regexp.MustCompile(`(?m)^Pages:\s+(\d+)`).FindSubmatch(info)
	if m == nil {
		t.Fatalf("pdfinfo gives no page count:\n%s", info)
	}
	if n, _ := strconv.Atoi(string(m[1])); n != len(pages) {
		t.Fatalf("pdfinfo says %d pages, pdftotext gives %d", n, len(pages))
	}
	return pages
}

// releaseRuns returns the runs the pack must hold, newest of each cell,
// with their steps, in the pack's order of journeys, languages, devices.
func releaseRuns(t *testing.T) []*recordings.Run {
	t.Helper()
	all, _, err := fx.store.Runs(recordings.RunFilter{Release: fx.release})
	if err != nil {
		t.Fatal(err)
	}
	seen := map[string]bool{}
	var out []*recordings.Run
	for _, r := range all {
		if seen[r.Cell()] {
			continue
		}
		seen[r.Cell()] = true
		full, err := fx.store.Run(r.ID)
		if err != nil {
			t.Fatal(err)
		}
		out = append(out, full)
	}
	sort.Slice(out, func(a, b int) bool {
		ka := out[a].JourneyID + langRank(out[a].Lang) + deviceRank(out[a].Device)
		kb := out[b].JourneyID + langRank(out[b].Lang) + deviceRank(out[b].Device)
		return ka < kb
	})
	return out
}

func TestPackFiles(t *testing.T) {
	shared.Need(t)
	es := ziptest.Read(t, fx.pack)
	var names, shots, subs []string
	for _, e := range es {
		if strings.HasPrefix(e.Name, "screenshots/") {
			shots = append(shots, e.Name)
			continue
		}
		if strings.HasPrefix(e.Name, "submission/") {
			subs = append(subs, e.Name)
			continue
		}
		names = append(names, e.Name)
	}
	want := []string{
		"wireframes/authentication.pdf", "wireframes/form-filling.pdf",
		"videos/authentication/login-en-desktop.mp4", "videos/authentication/login-en-desktop.vtt",
		"coverage.json", "report.json", "junit.xml", "report.html", "README.txt", ManifestName, SignatureName,
	}
	if !slices.Equal(names, want) {
		t.Errorf("pack holds\n%v\nwant\n%v", names, want)
	}
	s := fx.summary
	// Each step's screenshot is in the pack as stored, with a thumbnail.
	byName := files(es)
	nshots := 0
	for _, id := range fx.runIDs(t) {
		r, err := fx.store.Run(id)
		if err != nil {
			t.Fatal(err)
		}
		for _, st := range r.Steps {
			if st.ScreenshotSHA == "" {
				continue
			}
			nshots++
			base := fmt.Sprintf("screenshots/%s/%s-%s-%s/step-%02d", r.Process, r.JourneyID, r.Lang, r.Device, st.Index+1)
			png, err := os.ReadFile(fx.store.ArtifactPath(st.ScreenshotSHA))
			if err != nil || !bytes.Equal(byName[base+".png"], png) {
				t.Errorf("%s.png is not the step's screenshot (%v)", base, err)
			}
			th, err := jpeg.DecodeConfig(bytes.NewReader(byName[base+".thumb.jpg"]))
			if err != nil || th.Width > thumbWidth || th.Width < thumbWidth/2 {
				t.Errorf("%s.thumb.jpg: %+v (%v), want a JPEG up to %d px wide", base, th, err, thumbWidth)
			}
		}
	}
	if nshots == 0 || len(shots) != 2*nshots {
		t.Errorf("the pack holds %d screenshot files for %d screenshots", len(shots), nshots)
	}
	// The fixture's pack is exported without the submission renditions
	// (TestSubmission has them).
	if len(subs) != 0 || len(s.Submission) != 0 {
		t.Errorf("the pack holds %d submission files, summary %d videos; want none: %v", len(subs), len(s.Submission), subs)
	}
	if s.Files != len(want)+len(shots)+len(subs) || s.Runs != 5 || s.Videos != 1 || !s.Signed || len(s.Wireframes) != 2 {
		t.Errorf("summary = %+v; want %d files, 5 runs, 1 video, signed, 2 wireframes", s, len(want)+len(shots)+len(subs))
	}
	fi, err := os.Stat(fx.pack)
	if err != nil || fi.Size() != s.Bytes {
		t.Errorf("summary says %d bytes, file has %v (%v)", s.Bytes, fi.Size(), err)
	}
	mp4, err := os.ReadFile(fx.store.ArtifactPath(mustVideo(t).SHA256))
	if err != nil || !bytes.Equal(files(es)["videos/authentication/login-en-desktop.mp4"], mp4) {
		t.Errorf("the pack's video is not the run's video (%v)", err)
	}
}

func mustVideo(t *testing.T) *recordings.Video {
	r, err := fx.store.Run(fx.videoRun)
	if err != nil || r.Video == nil {
		t.Fatalf("run %d has no video: %v", fx.videoRun, err)
	}
	return r.Video
}

// TestWireframes checks each PDF: its page count, and that each run's step
// pages hold the step's name, the language, the page title the run saw
// (Chinese for the Chinese runs), the designer's caption and the iAM Smart
// outcome.
func TestWireframes(t *testing.T) {
	shared.Need(t)
	es := files(ziptest.Read(t, fx.pack))
	runs := releaseRuns(t)
	tests := []struct {
		process, journey string
		cells            int // coverage cells of the process
	}{
		{"authentication", "login", 6},
		{"form-filling", "broken", 1},
	}
	for _, tc := range tests {
		t.Run(tc.process, func(t *testing.T) {
			pdf := es["wireframes/"+tc.process+".pdf"]
			if !bytes.HasPrefix(pdf, []byte("%PDF-")) {
				t.Fatalf("wireframes/%s.pdf is not a PDF", tc.process)
			}
			pages := pdfPages(t, pdf)
			var mine []*recordings.Run
			steps := 0
			for _, r := range runs {
				if r.JourneyID == tc.journey {
					mine = append(mine, r)
					steps += len(r.Steps)
				}
			}
			// Cover, a journey map per device family, then detail pages
			// with several frames each.
			devices := map[string]bool{}
			for _, r := range mine {
				devices[r.Device] = true
			}
			maps := 0
			for _, p := range pages[1:] {
				if strings.Contains(p, "Journey map:") {
					maps++
				}
			}
			if maps != len(devices) {
				t.Errorf("%d journey map pages, want one per device family (%d)", maps, len(devices))
			}
			if len(pages) >= 1+maps+steps {
				t.Errorf("%d pages for %d steps: want several frames per page", len(pages), steps)
			}
			for i, p := range pages {
				if want := "Page " + strconv.Itoa(i+1) + " of " + strconv.Itoa(len(pages)); !strings.Contains(p, want) {
					t.Errorf("page %d has no %q in its footer", i+1, want)
				}
			}
			cover := pages[0]
			for _, want := range []string{"Sandbox Online Service", "Release", fx.release} {
				if !strings.Contains(cover, want) {
					t.Errorf("cover has no %q:\n%s", want, cover)
				}
			}
			all := squeeze(strings.Join(pages, "\n"))
			for _, r := range mine {
				if !strings.Contains(all, squeeze(langLabel(r.Lang))) {
					t.Errorf("no page of the %s run", r.Lang)
				}
				for _, s := range r.Steps {
					if !strings.Contains(all, squeeze(s.Name)) {
						t.Errorf("no frame of %s step %d %q", r.Cell(), s.Index+1, s.Name)
					}
					if s.Caption != "" && !strings.Contains(all, squeeze(s.Caption)) {
						t.Errorf("no caption %q", s.Caption)
					}
				}
			}
			// Test details are in the QA report, not in the designer's
			// document.
			for _, no := range []string{"127.0.0.1", "passed in", "run #", "Result"} {
				if strings.Contains(all, squeeze(no)) {
					t.Errorf("wireframe has %q", no)
				}
			}
		})
	}
	// The Chinese runs saw Chinese pages, printed with real glyphs.
	all := strings.Join(pdfPages(t, es["wireframes/authentication.pdf"]), "\n")
	for _, want := range []string{"繁體中文", "登入", "智方便", "Designer note: iAM Smart sits above"} {
		if !strings.Contains(all, want) {
			t.Errorf("authentication.pdf has no %q", want)
		}
	}
}

// squeeze drops white space, since pdftotext breaks lines where the PDF
// does.
func squeeze(s string) string { return strings.Join(strings.Fields(s), "") }

func TestManifest(t *testing.T) {
	shared.Need(t)
	es := ziptest.Read(t, fx.pack)
	m := manifestOf(t, es)
	byName := files(es)
	if m.Format != Format || m.Release != fx.release || m.Versions.Journeyproof != testVersion || m.Versions.Chromium != fx.browser.Version() || m.Versions.FFmpeg != "ffmpeg test" {
		t.Errorf("manifest head = %+v %+v", m.Format, m.Versions)
	}
	listed := map[string]bool{}
	for _, f := range m.Files {
		listed[f.Path] = true
		data, ok := byName[f.Path]
		if !ok {
			t.Errorf("manifest lists %s, not in the zip", f.Path)
			continue
		}
		sum := sha256.Sum256(data)
		if got := hex.EncodeToString(sum[:]); got != f.SHA256 || int64(len(data)) != f.Size {
			t.Errorf("%s: sha256 %s size %d, manifest says %s %d", f.Path, got, len(data), f.SHA256, f.Size)
		}
	}
	for name := range byName {
		if !listed[name] && name != ManifestName && name != SignatureName {
			t.Errorf("%s is in the zip but not in the manifest", name)
		}
	}
	var ids []uint
	for _, r := range m.Runs {
		ids = append(ids, r.ID)
		if r.StartedAt.IsZero() || r.EndedAt == nil || r.EndedAt.Before(r.StartedAt) {
			t.Errorf("run %d: start %v end %v", r.ID, r.StartedAt, r.EndedAt)
		}
	}
	var want []uint
	for _, r := range releaseRuns(t) {
		want = append(want, r.ID)
	}
	slices.Sort(ids)
	slices.Sort(want)
	if !slices.Equal(ids, want) {
		t.Errorf("manifest runs %v, want the newest of each cell %v", ids, want)
	}
	if slices.Contains(ids, fx.older) {
		t.Errorf("manifest has run %d, an older run of a cell that was run again", fx.older)
	}
	if m.Signature == nil || m.Signature.Key != KeyFingerprint(fx.pub) {
		t.Errorf("manifest signature info = %+v", m.Signature)
	}
}

func TestVerifyIntact(t *testing.T) {
	shared.Need(t)
	res, err := Verify(fx.pack, fx.pub)
	if err != nil {
		t.Fatal(err)
	}
	if !res.Intact() || !res.HasSignature || !res.SignatureValid || res.Checked != len(res.Manifest.Files) {
		t.Fatalf("Verify of a fresh pack: intact %v signed %v valid %v checked %d problems %v", res.Intact(), res.HasSignature, res.SignatureValid, res.Checked, res.Problems())
	}
}

// TestVerifyChangedFile flips one byte of each file in turn (the zip is
// rewritten, so its own checksums are right) and expects Verify to name
// exactly that file.
func TestVerifyChangedFile(t *testing.T) {
	shared.Need(t)
	es := ziptest.Read(t, fx.pack)
	m := manifestOf(t, es)
	for _, f := range m.Files {
		t.Run(f.Path, func(t *testing.T) {
			changed := slices.Clone(es)
			for i := range changed {
				if changed[i].Name == f.Path {
					d := slices.Clone(changed[i].Data)
					d[len(d)/2] ^= 0x01
					changed[i].Data = d
				}
			}
			res := verifyEntries(t, changed, nil)
			if res.Intact() || !slices.Equal(res.Changed, []string{f.Path}) || len(res.Added)+len(res.Removed) != 0 {
				t.Errorf("Verify: changed %v added %v removed %v; want changed [%s]", res.Changed, res.Added, res.Removed, f.Path)
			}
			if probs := res.Problems(); len(probs) != 1 || !strings.Contains(probs[0], f.Path) {
				t.Errorf("problems %v do not name %s", probs, f.Path)
			}
		})
	}
}

// TestVerifyRawByteFlip flips a byte inside the zip file itself, in the
// stored data of a PDF: the zip's checksum catches it and Verify names the
// PDF.
func TestVerifyRawByteFlip(t *testing.T) {
	shared.Need(t)
	data, err := os.ReadFile(fx.pack)
	if err != nil {
		t.Fatal(err)
	}
	zr, err := zip.NewReader(bytes.NewReader(data), int64(len(data)))
	if err != nil {
		t.Fatal(err)
	}
	var target *zip.File
	for _, f := range zr.File {
		if f.Name == "wireframes/form-filling.pdf" {
			target = f
		}
	}
	off, err := target.DataOffset()
	if err != nil {
		t.Fatal(err)
	}
	data[off+int64(target.CompressedSize64)/2] ^= 0x80
	p := filepath.Join(t.TempDir(), "flipped.zip")
	if err := os.WriteFile(p, data, 0o644); err != nil {
		t.Fatal(err)
	}
	res, err := Verify(p, fx.pub)
	if err != nil {
		t.Fatal(err)
	}
	if res.Intact() || !slices.Equal(res.Changed, []string{target.Name}) {
		t.Errorf("Verify after a raw byte flip: changed %v; want [%s]", res.Changed, target.Name)
	}
}

func TestVerifyAddedRemoved(t *testing.T) {
	shared.Need(t)
	es := ziptest.Read(t, fx.pack)
	tests := []struct {
		name          string
		edit          func([]ziptest.Entry) []ziptest.Entry
		added, remove []string
	}{
		{"added", func(es []ziptest.Entry) []ziptest.Entry {
			return append(slices.Clone(es), ziptest.Entry{Name: "wireframes/extra.pdf", Data: []byte("%PDF-1.4 not ours"), Method: zip.Store})
		}, []string{"wireframes/extra.pdf"}, nil},
		{"removed", func(es []ziptest.Entry) []ziptest.Entry {
			return slices.DeleteFunc(slices.Clone(es), func(e ziptest.Entry) bool { return e.Name == "junit.xml" })
		}, nil, []string{"junit.xml"}},
		{"added and removed", func(es []ziptest.Entry) []ziptest.Entry {
			out := slices.DeleteFunc(slices.Clone(es), func(e ziptest.Entry) bool { return e.Name == "videos/authentication/login-en-desktop.vtt" })
			return append(out, ziptest.Entry{Name: "notes.txt", Data: []byte("hello"), Method: zip.Deflate})
		}, []string{"notes.txt"}, []string{"videos/authentication/login-en-desktop.vtt"}},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			res := verifyEntries(t, tc.edit(es), fx.pub)
			if res.Intact() || !slices.Equal(res.Added, nonNil(tc.added)) || !slices.Equal(res.Removed, nonNil(tc.remove)) || len(res.Changed) != 0 {
				t.Errorf("added %v removed %v changed %v; want added %v removed %v", res.Added, res.Removed, res.Changed, tc.added, tc.remove)
			}
			// The signature still holds: the manifest was not touched.
			if !res.SignatureValid {
				t.Errorf("signature: %s", res.SignatureError)
			}
		})
	}
}

func TestVerifySignature(t *testing.T) {
	shared.Need(t)
	es := ziptest.Read(t, fx.pack)
	other, _, err := GenerateKey(t.TempDir())
	if err != nil {
		t.Fatal(err)
	}
	otherPriv, err := LoadPrivateKey(other)
	if err != nil {
		t.Fatal(err)
	}
	otherPub := otherPriv.Public().(ed25519.PublicKey)
	tests := []struct {
		name    string
		edit    func([]ziptest.Entry) []ziptest.Entry
		pub     ed25519.PublicKey
		wantErr string // in SignatureError; "" means valid
	}{
		{"intact", func(es []ziptest.Entry) []ziptest.Entry { return es }, fx.pub, ""},
		{"tampered manifest", func(es []ziptest.Entry) []ziptest.Entry {
			out := slices.Clone(es)
			for i := range out {
				if out[i].Name == ManifestName {
					out[i].Data = bytes.Replace(out[i].Data, []byte(`"release": "`+fx.release+`"`), []byte(`"release": "v9.9"`), 1)
				}
			}
			return out
		}, fx.pub, "does not verify"},
		{"manifest re-hashed after a change", func(es []ziptest.Entry) []ziptest.Entry {
			// A forger changes report.json and writes its new hash into the
			// manifest: the hashes match, the signature does not.
			out := slices.Clone(es)
			var m Manifest
			json.Unmarshal(files(out)[ManifestName], &m)
			for i := range out {
				if out[i].Name == "report.json" {
					out[i].Data = append(slices.Clone(out[i].Data), ' ')
					sum := sha256.Sum256(out[i].Data)
					for k := range m.Files {
						if m.Files[k].Path == "report.json" {
							m.Files[k].SHA256, m.Files[k].Size = hex.EncodeToString(sum[:]), int64(len(out[i].Data))
						}
					}
				}
			}
			data, _ := m.encode()
			for i := range out {
				if out[i].Name == ManifestName {
					out[i].Data = data
				}
			}
			return out
		}, fx.pub, "does not verify"},
		{"another key", func(es []ziptest.Entry) []ziptest.Entry { return es }, otherPub, "signed with another key"},
		{"signature removed", func(es []ziptest.Entry) []ziptest.Entry {
			return slices.DeleteFunc(slices.Clone(es), func(e ziptest.Entry) bool { return e.Name == SignatureName })
		}, fx.pub, "not signed"},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			res := verifyEntries(t, tc.edit(es), tc.pub)
			if tc.wantErr == "" {
				if !res.SignatureValid || !res.Intact() {
					t.Errorf("valid pack: %v", res.Problems())
				}
				return
			}
			if res.SignatureValid || res.Intact() || !strings.Contains(res.SignatureError, tc.wantErr) {
				t.Errorf("signature valid %v, error %q; want an error with %q", res.SignatureValid, res.SignatureError, tc.wantErr)
			}
		})
	}
}

func TestCoverage(t *testing.T) {
	shared.Need(t)
	var doc struct {
		Cells, Passed, Failed, Missing int
		Coverage                       []Cell
	}
	if err := json.Unmarshal(files(ziptest.Read(t, fx.pack))["coverage.json"], &doc); err != nil {
		t.Fatal(err)
	}
	var order []string
	for _, c := range doc.Coverage {
		order = append(order, c.Cell+":"+c.State)
	}
	// Missing first, then failed, then passed runs with error findings
	// (the wrong-label defect gives every login run one).
	want := []string{
		"login/zh-CN/desktop:missing", "login/zh-CN/mobile:missing",
		"broken/en/desktop:failed",
		"login/en/desktop:passed", "login/en/mobile:passed", "login/zh-HK/desktop:passed", "login/zh-HK/mobile:passed",
	}
	if !slices.Equal(order, want) {
		t.Errorf("coverage order\n%v\nwant\n%v", order, want)
	}
	if doc.Cells != 7 || doc.Missing != 2 || doc.Failed != 1 || doc.Passed != 4 {
		t.Errorf("coverage totals %d cells, %d passed, %d failed, %d missing", doc.Cells, doc.Passed, doc.Failed, doc.Missing)
	}
	for _, c := range doc.Coverage {
		if c.Journey == "login" && c.Run != 0 && c.Errors == 0 {
			t.Errorf("%s: no error findings; the wrong-label defect should give one", c.Cell)
		}
		if wantVideo := c.Run == fx.videoRun; (c.Video != "") != wantVideo {
			t.Errorf("%s: video %q", c.Cell, c.Video)
		}
	}
	s := fx.summary
	if !slices.Equal(s.Missing, []string{"login/zh-CN/desktop", "login/zh-CN/mobile"}) || !slices.Equal(s.Failed, []string{"broken/en/desktop"}) || len(s.NoVideo) != 4 {
		t.Errorf("summary missing %v failed %v no video %v", s.Missing, s.Failed, s.NoVideo)
	}
}

func TestReports(t *testing.T) {
	shared.Need(t)
	es := files(ziptest.Read(t, fx.pack))
	var rep struct {
		Rules []string
		Runs  []struct {
			ID     uint
			Status string
			Video  string
		}
		Findings []reportFinding
	}
	if err := json.Unmarshal(es["report.json"], &rep); err != nil {
		t.Fatal(err)
	}
	if len(rep.Runs) != 5 {
		t.Errorf("report.json has %d runs, want 5", len(rep.Runs))
	}
	// The wrong label is an error on the login page and waived (with the
	// journey's reason) on the trigger step.
	found := map[string]bool{}
	for _, f := range rep.Findings {
		if f.Rule != "iamsmart.label.approved" || f.Journey != "login" {
			continue
		}
		if f.Cell == "" || f.Selector == "" || f.Message == "" || f.StepName == "" || f.Severity != "error" {
			t.Errorf("finding lacks fields: %+v", f)
		}
		key := f.Cell + ":" + strconv.Itoa(f.Step) + ":" + strconv.FormatBool(f.Waived)
		found[key] = true
		if f.Waived && f.WaiverReason != "Wording agreed with the iAM Smart office for this test." {
			t.Errorf("waived finding has reason %q", f.WaiverReason)
		}
	}
	for _, cell := range []string{"login/en/desktop", "login/zh-HK/mobile"} {
		if !found[cell+":1:false"] || !found[cell+":2:true"] {
			t.Errorf("%s: want the label finding on step 1 (not waived) and step 2 (waived); have %v", cell, found)
		}
	}

	var ju junit.Suites
	if err := xml.Unmarshal(es["junit.xml"], &ju); err != nil {
		t.Fatal(err)
	}
	rules := fx.options().Rules
	if len(ju.Suites) != 5 || ju.Tests != 5*(1+len(rules)) {
		t.Errorf("junit: %d suites, %d tests; want 5 and %d", len(ju.Suites), ju.Tests, 5*(1+len(rules)))
	}
	failures := map[string]bool{}
	for _, s := range ju.Suites {
		for _, c := range s.Cases {
			if len(c.Failures) > 0 {
				failures[s.Name+":"+c.Name] = true
			}
		}
	}
	for _, want := range []string{"broken/en/desktop:run", "login/en/desktop:iamsmart.label.approved", "login/zh-HK/desktop:iamsmart.label.approved"} {
		if !failures[want] {
			t.Errorf("junit has no failure %s; failures: %v", want, failures)
		}
	}
	if failures["login/en/desktop:run"] || failures["login/en/desktop:iamsmart.entry.present"] {
		t.Errorf("junit fails a test that passed: %v", failures)
	}

	html := string(es["report.html"])
	for _, bad := range []string{`src="http`, `href="http`, `<link`, `<script`, `url(http`} {
		if strings.Contains(html, bad) {
			t.Errorf("report.html is not self-contained: it has %s", bad)
		}
	}
	for _, want := range []string{"data:image/png;base64,", `href="wireframes/authentication.pdf"`, `href="videos/authentication/login-en-desktop.mp4"`, "iamsmart.label.approved", "繁體中文", `<span class="badge b-failed" title="guidelines verdict: unwaived findings">guidelines failed</span>`} {
		if !strings.Contains(html, want) {
			t.Errorf("report.html has no %s", want)
		}
	}
}

// TestReportHTMLOpensFromDisk opens report.html from an unzipped pack in
// Chromium with no server and checks that it shows the crops.
func TestReportHTMLOpensFromDisk(t *testing.T) {
	shared.Need(t)
	dir := t.TempDir()
	for _, e := range ziptest.Read(t, fx.pack) {
		p := filepath.Join(dir, filepath.FromSlash(e.Name))
		os.MkdirAll(filepath.Dir(p), 0o755)
		if err := os.WriteFile(p, e.Data, 0o644); err != nil {
			t.Fatal(err)
		}
	}
	ctx, cancel := chromedpTab(t)
	defer cancel()
	got, err := openAndCount(ctx, "file://"+filepath.Join(dir, "report.html"))
	if err != nil {
		t.Fatal(err)
	}
	if got.Crops == 0 || got.Broken != 0 || !strings.Contains(got.Title, fx.release) {
		t.Errorf("report.html from disk: %d crops shown, %d broken images, title %q", got.Crops, got.Broken, got.Title)
	}
	// Every step's thumbnail shows, and links to the full screenshot in
	// the pack, which opens too.
	media, err := chromedp.Run(ctx, chromedp.Evaluate[struct {
		Thumbs, Loaded int
		Links          []string
		Approval       string
	}](`(async () => {
		const imgs = [...document.querySelectorAll(".shots img")];
		for (const i of imgs) { i.loading = "eager"; if (!i.complete) await new Promise(r => { i.onload = i.onerror = r; }); }
		return { thumbs: imgs.length, loaded: imgs.filter(i => i.naturalWidth > 0).length,
			links: [...document.querySelectorAll(".shots a")].map(a => a.href), approval: document.body.innerText };
	})()`, chromedp.EvalAwaitPromise))
	if err != nil {
		t.Fatal(err)
	}
	if media.Thumbs == 0 || media.Loaded != media.Thumbs || len(media.Links) != media.Thumbs {
		t.Errorf("report.html from disk: %d thumbnails, %d loaded, %d links", media.Thumbs, media.Loaded, len(media.Links))
	}
	for _, want := range []string{"Baseline approval", "qa-alice", "signed off for ITE", `compared with release "r0": 3 changes, 3 accepted`, "HKT"} {
		if !strings.Contains(media.Approval, want) {
			t.Errorf("report.html lacks %q", want)
		}
	}
	// The videos play inline from the folder.
	played, err := chromedp.Run(ctx, chromedp.Evaluate[[]float64](`(async () => {
		const vs = [...document.querySelectorAll("video")];
		const out = [vs.length];
		for (const v of vs) {
			v.muted = true;
			await v.play();
			await new Promise(r => setTimeout(r, 600));
			out.push(v.readyState, v.currentTime, v.videoWidth);
			v.pause();
		}
		return out;
	})()`, chromedp.EvalAwaitPromise))
	if err != nil {
		t.Fatalf("play the report's videos: %v", err)
	}
	if played[0] != float64(fx.summary.Videos) || played[0] == 0 {
		t.Errorf("report.html has %v video elements, the pack %d videos", played[0], fx.summary.Videos)
	}
	for i := 1; i+2 < len(played); i += 3 {
		if played[i] < 2 || played[i+1] <= 0 || played[i+2] <= 0 {
			t.Errorf("a video from disk: readyState %v, currentTime %v, width %v; want it playing", played[i], played[i+1], played[i+2])
		}
	}
	// A thumbnail's link opens the full screenshot from disk.
	if len(media.Links) > 0 {
		if !strings.HasPrefix(media.Links[0], "file://") {
			t.Fatalf("thumbnail link %q is not a file in the pack", media.Links[0])
		}
		if err := chromedp.Do(ctx, chromedp.Navigate(media.Links[0])); err != nil {
			t.Fatal(err)
		}
		w, err := chromedp.Run(ctx, chromedp.Evaluate[int](`document.images.length ? document.images[0].naturalWidth : 0`))
		if err != nil || w < 300 {
			t.Errorf("the full screenshot %s opens %d px wide (%v)", media.Links[0], w, err)
		}
	}
}

func TestBadInput(t *testing.T) {
	shared.Need(t)
	dir := t.TempDir()
	notDir := filepath.Join(dir, "file")
	os.WriteFile(notDir, []byte("x"), 0o644)
	tests := []struct {
		name    string
		edit    func(*Options)
		path    string
		wantErr string
	}{
		{"unknown release", func(o *Options) { o.Release = "no-such-release" }, filepath.Join(dir, "a.zip"), `unknown release "no-such-release"; releases in the store: ` + fx.release},
		{"no release", func(o *Options) { o.Release = "" }, filepath.Join(dir, "b.zip"), "no release given"},
		{"no runs after the filters", func(o *Options) { o.Langs = []string{"zh-CN"} }, filepath.Join(dir, "c.zip"), `has no runs matching --lang zh-CN`},
		{"unknown journey", func(o *Options) { o.Journeys = []string{"nope"} }, filepath.Join(dir, "d.zip"), `has no runs of journey "nope"`},
		{"unknown language", func(o *Options) { o.Langs = []string{"fr"} }, filepath.Join(dir, "e.zip"), `unknown language "fr"`},
		{"folder that does not exist", func(o *Options) {}, filepath.Join(dir, "missing", "f.zip"), "missing does not exist"},
		{"parent is a file", func(o *Options) {}, filepath.Join(notDir, "g.zip"), "file is not a folder"},
		{"path is a folder", func(o *Options) {}, dir, "is a folder"},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			o := fx.options()
			tc.edit(&o)
			before := listDir(t, dir)
			sum, err := Export(context.Background(), o, tc.path)
			if err == nil || !strings.Contains(err.Error(), tc.wantErr) {
				t.Fatalf("Export = %v, %v; want an error with %q", sum, err, tc.wantErr)
			}
			if strings.Contains(err.Error(), "\n") {
				t.Errorf("error is not one line: %q", err)
			}
			if tc.path != dir {
				if _, err := os.Stat(tc.path); err == nil {
					t.Errorf("%s exists after a failed export", tc.path)
				}
			}
			if after := listDir(t, dir); !slices.Equal(before, after) {
				t.Errorf("the export left files behind: %v, was %v", after, before)
			}
		})
	}
}

func listDir(t *testing.T, dir string) []string {
	var out []string
	filepath.WalkDir(dir, func(p string, d os.DirEntry, err error) error {
		out = append(out, p)
		return nil
	})
	sort.Strings(out)
	return out
}

// TestWriteFiltered streams a narrowed, unsigned pack to memory.
func TestWriteFiltered(t *testing.T) {
	shared.Need(t)
	o := fx.options()
	o.SignKey = nil
	o.Journeys, o.Langs, o.Devices = []string{"login"}, []string{"zh-HK"}, []string{"mobile"}
	var buf bytes.Buffer
	sum, err := Write(context.Background(), o, &buf)
	if err != nil {
		t.Fatal(err)
	}
	p := filepath.Join(t.TempDir(), "w.zip")
	os.WriteFile(p, buf.Bytes(), 0o644)
	es := ziptest.Read(t, p)
	m := manifestOf(t, es)
	if len(m.Runs) != 1 || m.Runs[0].Cell != "login/zh-HK/mobile" || sum.Runs != 1 || sum.Signed || sum.Bytes != int64(buf.Len()) {
		t.Errorf("filtered pack: runs %+v, summary %+v", m.Runs, sum)
	}
	if !slices.Equal(m.Filters.Langs, []string{"zh-HK"}) || len(sum.Missing)+len(sum.Failed) != 0 {
		t.Errorf("filters %+v, missing %v, failed %v", m.Filters, sum.Missing, sum.Failed)
	}
	if _, ok := files(es)[SignatureName]; ok {
		t.Error("an unsigned pack has manifest.sig")
	}
	pages := pdfPages(t, files(es)["wireframes/authentication.pdf"])
	// Cover, the mobile journey map, then the 4 mobile frames of the
	// run's 5 steps (steps 1 and 2 show one screen) on one page.
	if len(pages) != 3 || !strings.Contains(strings.Join(pages, ""), "繁體中文") {
		t.Errorf("filtered wireframe has %d pages, want 3", len(pages))
	}
	res, err := Verify(p, nil)
	if err != nil || !res.Intact() || res.HasSignature {
		t.Errorf("Verify of the streamed pack: %v %v", err, res.Problems())
	}
	res, err = Verify(p, fx.pub)
	if err != nil || res.Intact() || !strings.Contains(res.SignatureError, "not signed") {
		t.Errorf("Verify with a key of an unsigned pack: %v %+v", err, res)
	}
}

func TestKeys(t *testing.T) {
	dir := t.TempDir()
	priv, pub, err := GenerateKey(dir)
	if err != nil {
		t.Fatal(err)
	}
	for path, mode := range map[string]os.FileMode{priv: 0o600, pub: 0o644} {
		fi, err := os.Stat(path)
		if err != nil || fi.Mode().Perm() != mode {
			t.Errorf("%s: mode %v, want %v (%v)", path, fi.Mode().Perm(), mode, err)
		}
	}
	if _, _, err := GenerateKey(dir); err == nil || !strings.Contains(err.Error(), "already exists") {
		t.Errorf("GenerateKey over an existing key = %v", err)
	}
	k, err := LoadPrivateKey(priv)
	if err != nil {
		t.Fatal(err)
	}
	p, err := LoadPublicKey(pub)
	if err != nil || !p.Equal(k.Public()) {
		t.Fatalf("public key does not match the private key: %v", err)
	}
	// The base64 forms load too.
	b64 := filepath.Join(dir, "seed.b64")
	os.WriteFile(b64, []byte(base64Std(k.Seed())+"\n"), 0o600)
	if k2, err := LoadPrivateKey(b64); err != nil || !k2.Equal(k) {
		t.Errorf("base64 seed: %v", err)
	}
	pb64 := filepath.Join(dir, "pub.b64")
	os.WriteFile(pb64, []byte(base64Std(p)), 0o644)
	if p2, err := LoadPublicKey(pb64); err != nil || !p2.Equal(p) {
		t.Errorf("base64 public key: %v", err)
	}
	if _, err := LoadPrivateKey(pub); err == nil {
		t.Error("a public key loads as a private key")
	}
}

// BenchmarkExport exports the fixture's release (2 PDFs, 5 runs, 25 steps).
func BenchmarkExport(b *testing.B) {
	shared.Need(b)
	dir := b.TempDir()
	for b.Loop() {
		if _, err := Export(context.Background(), fx.options(), filepath.Join(dir, "b.zip")); err != nil {
			b.Fatal(err)
		}
	}
}

func base64Std(b []byte) string { return base64.StdEncoding.EncodeToString(b) }

// chromedpTab opens a tab in the test browser.
func chromedpTab(t *testing.T) (context.Context, context.CancelFunc) {
	t.Helper()
	ctx, cancel := chromedp.NewContext(fx.browser.Context())
	ctx, cancelT := context.WithTimeout(ctx, time.Minute)
	return ctx, func() { cancelT(); cancel() }
}

type pageImages struct {
	Crops  int    `json:"crops"`
	Broken int    `json:"broken"`
	Title  string `json:"title"`
}

// openAndCount opens url and counts the crops shown and the images that
// did not load.
func openAndCount(ctx context.Context, url string) (pageImages, error) {
	if err := chromedp.Do(ctx, chromedp.Navigate(url)); err != nil {
		return pageImages{}, err
	}
	return chromedp.Run(ctx, chromedp.Evaluate[pageImages](`({
		crops: [...document.querySelectorAll("img.crop")].filter(i => i.complete && i.naturalWidth > 0).length,
		broken: [...document.images].filter(i => !i.complete || i.naturalWidth === 0).length,
		title: document.title})`))
}

func TestShrink(t *testing.T) {
	tests := []struct {
		name string
		img  image.Image
		f    int
		want []uint8 // NRGBA pixels of the result
	}{
		{"2x2 block averages", func() image.Image {
			m := image.NewRGBA(image.Rect(0, 0, 2, 2))
			copy(m.Pix, []uint8{0, 0, 0, 255, 100, 200, 40, 255, 200, 100, 40, 255, 100, 100, 120, 255})
			return m
		}(), 2, []uint8{100, 100, 50, 255}},
		{"odd edge is dropped", image.NewNRGBA(image.Rect(0, 0, 5, 3)), 2, make([]uint8, 2*1*4)},
		{"paletted image", func() image.Image {
			m := image.NewPaletted(image.Rect(0, 0, 3, 3), color.Palette{color.White})
			return m
		}(), 3, []uint8{255, 255, 255, 255}},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			got := shrink(tc.img, tc.f)
			if !bytes.Equal(got.Pix, tc.want) {
				t.Errorf("shrink = %v, want %v", got.Pix, tc.want)
			}
		})
	}
}

// runIDs are the ids of the runs in the fixture's pack (from report.json).
func (f *fixture) runIDs(t *testing.T) []uint {
	t.Helper()
	var doc struct {
		Runs []struct {
			ID uint `json:"id"`
		} `json:"runs"`
	}
	if err := json.Unmarshal(files(ziptest.Read(t, f.pack))["report.json"], &doc); err != nil {
		t.Fatalf("report.json: %v", err)
	}
	var ids []uint
	for _, r := range doc.Runs {
		ids = append(ids, r.ID)
	}
	return ids
}

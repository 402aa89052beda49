package pack

import (
	"archive/zip"
	"bytes"
	"compress/flate"
	"crypto/ed25519"
	"encoding/binary"
	"encoding/json"
	"io"
	"os"
	"path/filepath"
	"runtime"
	"slices"
	"strings"
	"testing"

	"journeyproof/internal/ziptest"
)

// TestVerifyHiddenEntry plants a second report.html before the zip's
// directory: the directory still lists only the real one, so reading by
// the directory alone finds nothing wrong.
func TestVerifyHiddenEntry(t *testing.T) {
	shared.Need(t)
	data, err := os.ReadFile(fx.pack)
	if err != nil {
		t.Fatal(err)
	}
	p := filepath.Join(t.TempDir(), "planted.zip")
	if err := os.WriteFile(p, ziptest.Plant(t, data, "report.html", []byte("<h1>All cells passed</h1>")), 0o644); err != nil {
		t.Fatal(err)
	}
	// The standard reader sees the same entries as before.
	zr, err := zip.OpenReader(p)
	if err != nil {
		t.Fatal(err)
	}
	n := len(zr.File)
	zr.Close()
	if want := len(ziptest.Read(t, fx.pack)); n != want {
		t.Fatalf("the planted zip lists %d entries, want %d", n, want)
	}
	res, err := Verify(p, fx.pub)
	if err != nil {
		t.Fatal(err)
	}
	if res.Intact() || len(res.Structure) != 1 || !strings.Contains(res.Structure[0], `"report.html"`) || !strings.Contains(res.Structure[0], "not in the zip's directory") {
		t.Fatalf("Verify of a pack with a hidden report.html: intact %v, structure %q", res.Intact(), res.Structure)
	}
	// Bytes after the end record are refused too.
	if err := os.WriteFile(p, append(slices.Clone(data), []byte("trailing")...), 0o644); err != nil {
		t.Fatal(err)
	}
	if res, err := Verify(p, fx.pub); err == nil && res.Intact() {
		t.Errorf("Verify of a pack with bytes after its end record: intact")
	}
}

func TestVerifyUnsafeNames(t *testing.T) {
	shared.Need(t)
	es := ziptest.Read(t, fx.pack)
	for _, name := range []string{"../../.bashrc", "/etc/cron.d/x", `videos\..\..\x.mp4`, "C:/Windows/x.dll", "C:x", "wireframes/../../x.pdf", "a/./b", "a//b", "nul\x00.txt"} {
		t.Run(name, func(t *testing.T) {
			res := verifyEntries(t, append(slices.Clone(es), ziptest.Entry{Name: name, Data: []byte("x"), Method: zip.Store}), fx.pub)
			if res.Intact() || !slices.ContainsFunc(res.Structure, func(s string) bool { return strings.Contains(s, "unsafe name") }) {
				t.Errorf("Verify with an entry %q: intact %v structure %q added %q", name, res.Intact(), res.Structure, res.Added)
			}
		})
	}
	// Two names that are one file on a case-insensitive disk.
	res := verifyEntries(t, append(slices.Clone(es), ziptest.Entry{Name: "Report.html", Data: []byte("x"), Method: zip.Store}), fx.pub)
	if res.Intact() || !slices.ContainsFunc(res.Structure, func(s string) bool { return strings.Contains(s, "twice") }) {
		t.Errorf("Verify with Report.html beside report.html: structure %q", res.Structure)
	}
}

// TestVerifyManifestBomb puts a 64 MiB manifest, deflated to a few
// kilobytes, in a pack: Verify refuses it without reading it into memory.
func TestVerifyManifestBomb(t *testing.T) {
	shared.Need(t)
	for _, lie := range []bool{false, true} {
		var buf bytes.Buffer
		zw := zip.NewWriter(&buf)
		zw.RegisterCompressor(zip.Deflate, func(w io.Writer) (io.WriteCloser, error) { return flate.NewWriter(w, flate.BestCompression) })
		w, _ := zw.CreateHeader(&zip.FileHeader{Name: ManifestName, Method: zip.Deflate})
		w.Write([]byte(`{"format":"`))
		chunk := bytes.Repeat([]byte("a"), 1<<20)
		for range 64 {
			w.Write(chunk)
		}
		zw.Close()
		z := buf.Bytes()
		if lie {
			// The directory says 100 bytes: the reading must stop anyway.
			cd := ziptest.DirOffset(t, z)
			binary.LittleEndian.PutUint32(z[cd+24:], 100)
		}
		p := filepath.Join(t.TempDir(), "bomb.zip")
		if err := os.WriteFile(p, z, 0o644); err != nil {
			t.Fatal(err)
		}
		var before, after runtime.MemStats
		runtime.GC()
		runtime.ReadMemStats(&before)
		_, err := Verify(p, nil)
		runtime.ReadMemStats(&after)
		if err == nil || !strings.Contains(err.Error(), ManifestName) {
			t.Errorf("Verify of a %d-byte zip holding a 64 MiB manifest (directory lies: %v): err %v", len(z), lie, err)
		}
		if alloc := after.TotalAlloc - before.TotalAlloc; alloc > 24<<20 {
			t.Errorf("Verify allocated %d MiB for the bomb (directory lies: %v)", alloc>>20, lie)
		}
	}
}

// unsignedPack turns fx.pack into the unsigned pack export writes without
// a key: no manifest.sig, no signature field.
func unsignedPack(t *testing.T) []ziptest.Entry {
	t.Helper()
	es := slices.DeleteFunc(ziptest.Read(t, fx.pack), func(e ziptest.Entry) bool { return e.Name == SignatureName })
	m := manifestOf(t, es)
	m.Signature = nil
	return withManifest(t, es, &m)
}

func withManifest(t *testing.T, es []ziptest.Entry, m *Manifest) []ziptest.Entry {
	t.Helper()
	data, err := m.encode()
	if err != nil {
		t.Fatal(err)
	}
	out := slices.Clone(es)
	for i := range out {
		if out[i].Name == ManifestName {
			out[i].Data = data
		}
	}
	return out
}

// TestVerifyManifestFields edits the manifest's own fields in an unsigned
// pack: the hashes all match, so only the cross-check with report.json and
// coverage.json can tell.
func TestVerifyManifestFields(t *testing.T) {
	shared.Need(t)
	base := unsignedPack(t)
	if res := verifyEntries(t, base, nil); !res.Intact() || res.HasSignature {
		t.Fatalf("the unsigned pack: intact %v, problems %q", res.Intact(), res.Problems())
	}
	tests := []struct {
		name string
		edit func(m *Manifest)
		want string
	}{
		{"run status", func(m *Manifest) {
			for i := range m.Runs {
				if m.Runs[i].Status == "failed" {
					m.Runs[i].Status = "passed"
				}
			}
		}, `status "passed", report.json says "failed"`},
		{"cell name", func(m *Manifest) { m.Runs[0].Cell = "login/en/tablet" }, `cell "login/en/tablet"`},
		{"release", func(m *Manifest) { m.Release = "v9.9" }, `release "v9.9"`},
		{"run removed", func(m *Manifest) { m.Runs = m.Runs[1:] }, "report.json has it"},
		{"signature claimed", func(m *Manifest) {
			m.Signature = &SignatureInfo{Algorithm: "Ed25519", File: SignatureName, Key: "sha256:00"}
		}, "no manifest.sig"},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			m := manifestOf(t, base)
			tc.edit(&m)
			res := verifyEntries(t, withManifest(t, base, &m), nil)
			if res.Intact() || !slices.ContainsFunc(res.Inconsistent, func(s string) bool { return strings.Contains(s, tc.want) }) {
				t.Errorf("edited %s: intact %v, inconsistent %q; want one with %q", tc.name, res.Intact(), res.Inconsistent, tc.want)
			}
		})
	}
	// A signed pack whose manifest.sig was removed says so without --pub.
	signed := slices.DeleteFunc(ziptest.Read(t, fx.pack), func(e ziptest.Entry) bool { return e.Name == SignatureName })
	if res := verifyEntries(t, signed, nil); res.Intact() {
		t.Error("a signed pack without its manifest.sig passes")
	}
}

func TestVerifyRenamed(t *testing.T) {
	shared.Need(t)
	es := ziptest.Read(t, fx.pack)
	for i := range es {
		if es[i].Name == "junit.xml" {
			es[i].Name = "junit-old.xml"
		}
	}
	p := filepath.Join(t.TempDir(), "renamed.zip")
	ziptest.Write(t, p, es)
	res, err := Verify(p, fx.pub)
	if err != nil {
		t.Fatal(err)
	}
	if res.Intact() || !slices.Equal(res.Added, []string{"junit-old.xml"}) || !slices.Equal(res.Removed, []string{"junit.xml"}) {
		t.Errorf("renamed junit.xml: added %v removed %v", res.Added, res.Removed)
	}
}

func TestManifestDigest(t *testing.T) {
	shared.Need(t)
	res, err := Verify(fx.pack, nil)
	if err != nil {
		t.Fatal(err)
	}
	data := files(ziptest.Read(t, fx.pack))[ManifestName]
	var m Manifest
	if err := json.Unmarshal(data, &m); err != nil {
		t.Fatal(err)
	}
	if res.ManifestDigest == "" || res.ManifestDigest != fx.summary.ManifestDigest {
		t.Errorf("Verify's manifest digest %q, export's %q", res.ManifestDigest, fx.summary.ManifestDigest)
	}
}

// TestExportRefusesDamagedArtifact changes one byte of a run's video in
// the store: the export hashes the bytes it writes and refuses the file
// whose hash is not its name, leaving no pack.
func TestExportRefusesDamagedArtifact(t *testing.T) {
	shared.Need(t)
	run, err := fx.store.Run(fx.videoRun)
	if err != nil || run.Video == nil {
		t.Fatalf("the video run: %v", err)
	}
	p := fx.store.ArtifactPath(run.Video.SHA256)
	orig, err := os.ReadFile(p)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { os.WriteFile(p, orig, 0o644) })
	bad := slices.Clone(orig)
	bad[len(bad)/2] ^= 0x40
	if err := os.WriteFile(p, bad, 0o644); err != nil {
		t.Fatal(err)
	}
	out := filepath.Join(t.TempDir(), "pack.zip")
	_, err = Export(t.Context(), fx.options(), out)
	if err == nil || !strings.Contains(err.Error(), "damaged in the store") || !strings.Contains(err.Error(), run.Video.SHA256) {
		t.Fatalf("Export with a damaged video: %v", err)
	}
	if _, err := os.Stat(out); !os.IsNotExist(err) {
		t.Errorf("a pack was written: %v", err)
	}
}

// verifyEntries writes es as a pack in a temporary folder of t and returns
// what Verify with pub says of it.
func verifyEntries(t *testing.T, es []ziptest.Entry, pub ed25519.PublicKey) *VerifyResult {
	t.Helper()
	p := filepath.Join(t.TempDir(), "pack.zip")
	ziptest.Write(t, p, es)
	res, err := Verify(p, pub)
	if err != nil {
		t.Fatalf("verify %s: %v", p, err)
	}
	return res
}

package recordings

import (
	"bytes"
	"crypto/sha256"
	"encoding/hex"
	"os"
	"path/filepath"
	"testing"
	"time"

	"journeyproof"
)

// TestOpenOddDataDir opens stores in folders whose names hold the
// characters an SQLite URI gives a meaning to: the database must be made
// inside the folder, and nothing beside it.
func TestOpenOddDataDir(t *testing.T) {
	for _, name := range []string{"data?mode=ro", "data#1", "100%data", "a%3Fb", "sp ace&x=y"} {
		t.Run(name, func(t *testing.T) {
			parent := t.TempDir()
			dir := filepath.Join(parent, name)
			s, err := Open(dir)
			if err != nil {
				t.Fatalf("Open(%q): %v", dir, err)
			}
			sha, err := s.PutArtifact([]byte("hello"), "text/plain")
			if err != nil {
				t.Fatal(err)
			}
			if err := s.DB.Create(&Run{Release: "r", JourneyID: "j", Status: "passed"}).Error; err != nil {
				t.Fatal(err)
			}
			s.Close()
			if fi, err := os.Stat(filepath.Join(dir, "journeyproof.db")); err != nil || fi.Size() == 0 {
				t.Fatalf("no database in %s: %v", dir, err)
			}
			ents, _ := os.ReadDir(parent)
			if len(ents) != 1 || ents[0].Name() != name {
				var names []string
				for _, e := range ents {
					names = append(names, e.Name())
				}
				t.Errorf("the parent folder holds %q, want only %q", names, name)
			}
			// Opened again, the run is there.
			s, err = Open(dir)
			if err != nil {
				t.Fatal(err)
			}
			defer s.Close()
			var n int64
			s.DB.Model(&Run{}).Count(&n)
			if n != 1 {
				t.Errorf("reopened store has %d runs, want 1", n)
			}
			if b, err := s.ReadArtifact(sha); err != nil || string(b) != "hello" {
				t.Errorf("artifact: %q %v", b, err)
			}
		})
	}
}

// TestPutArtifactRewritesDamaged: an artifact file left empty, short or
// changed on disk is written again by the next put of the same content,
// not trusted because it exists.
func TestPutArtifactRewritesDamaged(t *testing.T) {
	s, err := Open(t.TempDir())
	if err != nil {
		t.Fatal(err)
	}
	defer s.Close()
	data := bytes.Repeat([]byte("evidence "), 1000)
	src := filepath.Join(t.TempDir(), "src.bin")
	os.WriteFile(src, data, 0o644)
	damage := map[string]func(p string){
		"empty":     func(p string) { os.WriteFile(p, nil, 0o644) },
		"short":     func(p string) { os.WriteFile(p, data[:100], 0o644) },
		"same size": func(p string) { d := bytes.Clone(data); d[500] ^= 1; os.WriteFile(p, d, 0o644) },
		"removed":   func(p string) { os.Remove(p) },
	}
	for name, dmg := range damage {
		for _, byFile := range []bool{false, true} {
			sha, err := s.PutArtifact(data, "application/octet-stream")
			if err != nil {
				t.Fatal(err)
			}
			p := s.ArtifactPath(sha)
			dmg(p)
			if byFile {
				_, err = s.PutArtifactFile(src, "application/octet-stream")
			} else {
				_, err = s.PutArtifact(data, "application/octet-stream")
			}
			if err != nil {
				t.Fatal(err)
			}
			if got, _ := os.ReadFile(p); !bytes.Equal(got, data) {
				t.Errorf("%s artifact (put from a file: %v): %d bytes on disk after a new put, want the %d of the content", name, byFile, len(got), len(data))
			}
		}
	}
	// No temporary file is left behind.
	sum := sha256.Sum256(data)
	ents, _ := os.ReadDir(filepath.Dir(s.ArtifactPath(hex.EncodeToString(sum[:]))))
	if len(ents) != 1 {
		t.Errorf("artifact folder holds %d files, want 1", len(ents))
	}
}

// TestReleaseStats: the release summary the triggers keep gives what a
// count over the runs gives, after inserts, status changes, a release
// renamed and deletes, whichever connection writes.
func TestReleaseStats(t *testing.T) {
	dir := t.TempDir()
	s, err := Open(dir)
	if err != nil {
		t.Fatal(err)
	}
	defer s.Close()
	t0 := time.Date(2026, 1, 1, 0, 0, 0, 0, time.UTC)
	var runs []Run
	for i := 0; i < 9; i++ {
		r := Run{Release: []string{"a", "b", "c"}[i%3], JourneyID: "j", Status: []string{"running", "passed", "failed"}[i%3], StartedAt: t0.Add(time.Duration(i) * time.Hour)}
		if err := s.DB.Create(&r).Error; err != nil {
			t.Fatal(err)
		}
		runs = append(runs, r)
	}
	s.DB.Model(&Run{}).Where("id = ?", runs[0].ID).Update("status", "passed")
	s.DB.Model(&Run{}).Where("id = ?", runs[3].ID).Update("release", "b")
	s.DB.Delete(&Run{}, runs[8].ID)
	s.MarkInterrupted()
	want := func() map[string]Release {
		var rows []struct {
			Release              string
			Runs, Passed, Failed int
		}
		s.DB.Raw(`SELECT release, count(*) AS runs, sum(status = 'passed') AS passed, sum(status NOT IN ('passed', 'running')) AS failed FROM runs GROUP BY release`).Scan(&rows)
		out := map[string]Release{}
		for _, r := range rows {
			out[r.Release] = Release{Name: r.Release, Runs: r.Runs, Passed: r.Passed, Failed: r.Failed}
		}
		return out
	}()
	check := func(s *Store) {
		t.Helper()
		rels, err := s.Releases()
		if err != nil {
			t.Fatal(err)
		}
		if len(rels) != len(want) {
			t.Fatalf("Releases gives %d releases, want %d: %+v", len(rels), len(want), rels)
		}
		for i, r := range rels {
			w := want[r.Name]
			if r.Runs != w.Runs || r.Passed != w.Passed || r.Failed != w.Failed || r.First.IsZero() || r.Last.IsZero() {
				t.Errorf("release %s: %+v, want %+v", r.Name, r, w)
			}
			if i > 0 && r.Last.After(rels[i-1].Last) {
				t.Errorf("releases not newest first: %s after %s", r.Name, rels[i-1].Name)
			}
		}
	}
	check(s)
	// A second process's store (another connection) writes; this one reads.
	other, err := Open(dir)
	if err != nil {
		t.Fatal(err)
	}
	r := Run{Release: "d", JourneyID: "j", Status: "passed", StartedAt: t0.Add(100 * time.Hour)}
	other.DB.Create(&r)
	other.Close()
	want["d"] = Release{Name: "d", Runs: 1, Passed: 1}
	check(s)
	if rels, _ := s.Releases(); rels[0].Name != "d" {
		t.Errorf("newest release is %s, want d", rels[0].Name)
	}
}

// TestFullRuns: the batch read gives each run what Run gives it.
func TestFullRuns(t *testing.T) {
	s, err := Open(t.TempDir())
	if err != nil {
		t.Fatal(err)
	}
	defer s.Close()
	var ids []uint
	for i := 0; i < 3; i++ {
		r := Run{Release: "r", JourneyID: "j", Status: "passed"}
		for k := 2; k >= 0; k-- {
			r.Steps = append(r.Steps, Step{Index: k, Name: "s"})
		}
		r.Findings = []FindingRow{{StepIndex: 2, Finding: journeyproof.Finding{Rule: "b"}}, {StepIndex: 0, Finding: journeyproof.Finding{Rule: "a"}}}
		if i == 1 {
			r.Video = &Video{SHA256: "v"}
		}
		if err := s.DB.Create(&r).Error; err != nil {
			t.Fatal(err)
		}
		ids = append(ids, r.ID)
	}
	got, err := s.FullRuns(append(ids, 999))
	if err != nil {
		t.Fatal(err)
	}
	if len(got) != 3 {
		t.Fatalf("FullRuns gives %d runs, want 3", len(got))
	}
	for _, id := range ids {
		one, err := s.Run(id)
		if err != nil {
			t.Fatal(err)
		}
		b := got[id]
		if len(b.Steps) != len(one.Steps) || len(b.Findings) != len(one.Findings) || (b.Video == nil) != (one.Video == nil) {
			t.Fatalf("run %d: batch %d steps %d findings, one by one %d steps %d findings", id, len(b.Steps), len(b.Findings), len(one.Steps), len(one.Findings))
		}
		for k := range b.Steps {
			if b.Steps[k].Index != one.Steps[k].Index || b.Steps[k].ID != one.Steps[k].ID {
				t.Errorf("run %d step %d: batch %d, one by one %d", id, k, b.Steps[k].Index, one.Steps[k].Index)
			}
		}
		for k := range b.Findings {
			if b.Findings[k].ID != one.Findings[k].ID {
				t.Errorf("run %d finding %d differs", id, k)
			}
		}
	}
}

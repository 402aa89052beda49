package recordings

import (
	"bytes"
	"crypto/sha256"
	"encoding/hex"
	"os"
	"path/filepath"
	"testing"
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

//go:build reliability

package reliability

import (
	"archive/zip"
	"bytes"
	"compress/flate"
	"encoding/json"
	"fmt"
	"io"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"journeyproof/internal/ziptest"
)

// TestReliabilityPackTamper makes a real pack with the built binary (one
// cell run against the sandbox, with its video; exported signed and
// unsigned), then tampers with it in every way the suite lists: each
// tampered pack must make verify-pack exit 1, within 100 MB of memory.
func TestReliabilityPackTamper(t *testing.T) {
	dir := t.TempDir()
	data := filepath.Join(dir, "data")
	login, err := filepath.Abs("../journeys/examples/login.yaml")
	if err != nil {
		t.Fatal(err)
	}
	if res := secRun(t, nil, "run", "--data", data, "--release", "tamper", "--lang", "en", "--device", "desktop", "--branch", "main", "--parallel", "1", login); res.code != 0 && res.code != 1 {
		t.Fatalf("run: exit %d\n%s\n%s", res.code, res.stdout, res.stderr)
	}
	if res := secRun(t, nil, "keygen", "-o", filepath.Join(dir, "keys")); res.code != 0 {
		t.Fatalf("keygen: %s", res.stderr)
	}
	priv, pub := filepath.Join(dir, "keys", "journeyproof-pack.key"), filepath.Join(dir, "keys", "journeyproof-pack.pub")
	signed, unsigned := filepath.Join(dir, "signed.zip"), filepath.Join(dir, "unsigned.zip")
	for _, ex := range [][]string{{"-o", signed, "--sign-key", priv}, {"-o", unsigned}} {
		if res := secRun(t, nil, append([]string{"export", "--data", data, "--release", "tamper"}, ex...)...); res.code != 0 {
			t.Fatalf("export: exit %d\n%s", res.code, res.stderr)
		}
	}
	var maxRSS int64
	verify := func(pack string, args ...string) secResult {
		res := secRun(t, nil, append([]string{"verify-pack", pack}, args...)...)
		maxRSS = max(maxRSS, res.maxRSS)
		return res
	}
	// The untouched packs pass, and "signed" is said only with --pub.
	if res := verify(signed, "--pub", pub); res.code != 0 || !strings.Contains(res.stdout, "signed, signature valid") {
		t.Fatalf("intact signed pack: exit %d %s %s", res.code, res.stdout, res.stderr)
	}
	if res := verify(signed); res.code != 0 || strings.Contains(res.stdout, "signed,") || !strings.Contains(res.stdout, "signature not checked") {
		t.Errorf("signed pack without --pub: %s", res.stdout)
	}
	if res := verify(unsigned); res.code != 0 || !strings.Contains(res.stdout, "not signed") {
		t.Fatalf("intact unsigned pack: exit %d %s %s", res.code, res.stdout, res.stderr)
	}

	type tamper struct {
		name string
		pack string   // file to verify
		args []string // extra verify-pack flags
	}
	var cases []tamper
	write := func(name string, es []ziptest.Entry) string {
		p := filepath.Join(dir, fmt.Sprintf("t%03d.zip", len(cases)))
		ziptest.Write(t, p, es)
		return p
	}
	for _, base := range []struct {
		name, path string
		args       []string
	}{{"signed", signed, []string{"--pub", pub}}, {"unsigned", unsigned, nil}} {
		es := ziptest.Read(t, base.path)
		// A byte flip in every member (the zip rewritten, its own checksums right).
		for i, e := range es {
			if len(e.Data) == 0 {
				continue
			}
			c := ziptest.Clone(es)
			c[i].Data[len(c[i].Data)/2] ^= 0x01
			cases = append(cases, tamper{base.name + ": byte flip in " + e.Name, write(base.name, c), base.args})
		}
		// Renamed and removed members.
		for i, e := range es {
			if e.Name == "manifest.json" {
				continue
			}
			c := ziptest.Clone(es)
			c[i].Name = strings.Replace(e.Name, ".", "-old.", 1)
			cases = append(cases, tamper{base.name + ": renamed " + e.Name, write(base.name, c), base.args})
			c = ziptest.Clone(es)
			c = append(c[:i], c[i+1:]...)
			cases = append(cases, tamper{base.name + ": removed " + e.Name, write(base.name, c), base.args})
		}
		// Unsafe names.
		for _, n := range []string{"../../.bashrc", "/etc/cron.d/x", `videos\..\..\evil.exe`, "C:/Windows/evil.dll", "C:evil", "wireframes/../../x"} {
			c := append(ziptest.Clone(es), ziptest.Entry{Name: n, Data: []byte("x"), Method: zip.Store})
			cases = append(cases, tamper{base.name + ": unsafe name " + n, write(base.name, c), base.args})
		}
		// An unlisted report.html before the directory.
		raw, _ := os.ReadFile(base.path)
		p := filepath.Join(dir, base.name+"-planted.zip")
		os.WriteFile(p, ziptest.Plant(t, raw, "report.html", []byte("<h1>All cells passed</h1>")), 0o644)
		cases = append(cases, tamper{base.name + ": unlisted report.html before the directory", p, base.args})
		// Edited manifest fields: a run's status, its cell, the release.
		for _, edit := range []struct {
			name string
			f    func(m map[string]any)
		}{
			{"run status", func(m map[string]any) {
				r := m["runs"].([]any)[0].(map[string]any)
				if r["status"] == "passed" {
					r["status"] = "failed"
				} else {
					r["status"] = "passed"
				}
			}},
			{"cell name", func(m map[string]any) { m["runs"].([]any)[0].(map[string]any)["cell"] = "login/en/tablet" }},
			{"release", func(m map[string]any) { m["release"] = "v9.9" }},
		} {
			c := ziptest.Clone(es)
			for i := range c {
				if c[i].Name == "manifest.json" {
					var m map[string]any
					json.Unmarshal(c[i].Data, &m)
					edit.f(m)
					c[i].Data, _ = json.MarshalIndent(m, "", "  ")
				}
			}
			cases = append(cases, tamper{base.name + ": manifest " + edit.name + " edited", write(base.name, c), base.args})
			if base.name == "signed" {
				cases = append(cases, tamper{"signed without --pub: manifest " + edit.name + " edited", write(base.name, c), nil})
			}
		}
	}
	// The signature removed from a signed pack, checked without --pub.
	{
		es := ziptest.Read(t, signed)
		var c []ziptest.Entry
		for _, e := range es {
			if e.Name != "manifest.sig" {
				c = append(c, e)
			}
		}
		cases = append(cases, tamper{"signed: manifest.sig removed, no --pub", write("signed", c), nil})
	}
	// An unsigned pack checked against the digest its export printed, after
	// a consistent rewrite (report.json and its hash in the manifest).
	cases = append(cases, tamper{"unsigned: wrong --digest", unsigned, []string{"--digest", "sha256:" + strings.Repeat("0", 64)}})
	// The zip bomb: a 1 GiB manifest deflated to about 1 MB.
	bomb := filepath.Join(dir, "bomb.zip")
	{
		f, err := os.Create(bomb)
		if err != nil {
			t.Fatal(err)
		}
		zw := zip.NewWriter(f)
		zw.RegisterCompressor(zip.Deflate, func(w io.Writer) (io.WriteCloser, error) { return flate.NewWriter(w, flate.BestCompression) })
		w, _ := zw.CreateHeader(&zip.FileHeader{Name: "manifest.json", Method: zip.Deflate})
		w.Write([]byte(`{"format":"journeyproof-pack/1","release":"`))
		chunk := bytes.Repeat([]byte("a"), 1<<20)
		for range 1024 {
			w.Write(chunk)
		}
		w.Write([]byte(`"}`))
		zw.Close()
		f.Close()
	}
	fi, _ := os.Stat(bomb)
	cases = append(cases, tamper{fmt.Sprintf("zip bomb: %.1f MB zip, 1 GiB manifest", float64(fi.Size())/(1<<20)), bomb, nil})
	var bombRSS int64

	rejected := 0
	for _, c := range cases {
		res := verify(c.pack, c.args...)
		if strings.HasPrefix(c.name, "zip bomb") {
			bombRSS = res.maxRSS
		}
		if res.code == 1 {
			rejected++
		} else {
			t.Errorf("%s: verify-pack exit %d: %s %s", c.name, res.code, res.stdout, res.stderr)
		}
	}
	secFigure(t, "pack tamper", "tampered packs rejected (byte flips, unlisted, unsafe names, renamed, removed, manifest edits, zip bomb)",
		fmt.Sprintf("%d/%d", rejected, len(cases)), "all", rejected == len(cases))
	secFigure(t, "pack tamper", "verify-pack max RSS on the zip bomb", fmt.Sprintf("%.0f MB", float64(bombRSS)/(1<<20)), "< 100 MB", bombRSS > 0 && bombRSS < 100<<20)
	secFigure(t, "pack tamper", "verify-pack max RSS over every check", fmt.Sprintf("%.0f MB", float64(maxRSS)/(1<<20)), "< 100 MB", maxRSS > 0 && maxRSS < 100<<20)
}

// Package ziptest reads, rewrites and tampers with zip files (evidence
// packs) in tests: read the entries, change some, write them back, or plant
// an entry the zip's directory does not list.
package ziptest

import (
	"archive/zip"
	"bytes"
	"encoding/binary"
	"io"
	"os"
	"slices"
	"testing"
)

// Entry is one file of a zip, in the zip's order.
type Entry struct {
	Name   string
	Data   []byte
	Method uint16
}

// Read returns the entries of the zip at path.
func Read(t testing.TB, path string) []Entry {
	t.Helper()
	zr, err := zip.OpenReader(path)
	if err != nil {
		t.Fatalf("open %s: %v", path, err)
	}
	defer zr.Close()
	var out []Entry
	for _, f := range zr.File {
		var data []byte
		rc, err := f.Open()
		if err == nil {
			data, err = io.ReadAll(rc)
			rc.Close()
		}
		if err != nil {
			t.Fatalf("read %s from %s: %v", f.Name, path, err)
		}
		out = append(out, Entry{f.Name, data, f.Method})
	}
	return out
}

// Write writes es, in order, as the zip at path.
func Write(t testing.TB, path string, es []Entry) {
	t.Helper()
	var buf bytes.Buffer
	zw := zip.NewWriter(&buf)
	for _, e := range es {
		w, err := zw.CreateHeader(&zip.FileHeader{Name: e.Name, Method: e.Method})
		if err != nil {
			t.Fatal(err)
		}
		w.Write(e.Data)
	}
	if err := zw.Close(); err != nil {
		t.Fatal(err)
	}
	if err := os.WriteFile(path, buf.Bytes(), 0o644); err != nil {
		t.Fatal(err)
	}
}

// Clone returns a copy of es whose data can be changed without changing es.
func Clone(es []Entry) []Entry {
	out := make([]Entry, len(es))
	for i, e := range es {
		out[i] = Entry{e.Name, bytes.Clone(e.Data), e.Method}
	}
	return out
}

// Plant returns the zip's bytes with an extra entry put between the last
// listed entry and the central directory, which is left as it was (only
// its offset in the end record moves): zip.Reader sees the listed entries,
// a tool reading front to back sees the planted one too.
func Plant(t testing.TB, z []byte, name string, content []byte) []byte {
	t.Helper()
	var one bytes.Buffer
	zw := zip.NewWriter(&one)
	w, err := zw.CreateHeader(&zip.FileHeader{Name: name, Method: zip.Deflate})
	if err != nil {
		t.Fatal(err)
	}
	w.Write(content)
	zw.Close()
	planted := one.Bytes()[:DirOffset(t, one.Bytes())]
	cd := DirOffset(t, z)
	eocd := bytes.LastIndex(z, []byte(endRecord))
	out := append(slices.Clone(z[:cd]), planted...)
	out = append(out, z[cd:]...)
	binary.LittleEndian.PutUint32(out[eocd+len(planted)+16:], uint32(cd+len(planted)))
	return out
}

// endRecord is the signature of a zip's end of central directory record.
const endRecord = "PK\x05\x06"

// DirOffset returns where the zip's central directory starts, as its end
// record says.
func DirOffset(t testing.TB, z []byte) int {
	t.Helper()
	eocd := bytes.LastIndex(z, []byte(endRecord))
	if eocd < 0 {
		t.Fatal("no end record")
	}
	return int(binary.LittleEndian.Uint32(z[eocd+16:]))
}

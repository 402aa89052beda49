package pack

import (
	"archive/zip"
	"bytes"
	"encoding/binary"
	"fmt"
	"io"
	"sort"
)

// Signatures of the zip records checkLayout reads.
const (
	sigLocal      = 0x04034b50
	sigDescriptor = 0x08074b50
	sigEnd        = 0x06054b50
	sigEnd64      = 0x06064b50
	sigLocator64  = 0x07064b50
)

// checkLayout reads the zip front to back, as a streaming unzip would, and
// reports every way it differs from what the central directory says: the
// entries must start at byte 0 and follow one another with nothing between
// them up to the directory, each local header must name the entry the
// directory names at that place with the same method and sizes, and
// nothing may follow the end record. A second report.html planted before
// the directory, which zip.Reader never sees, is found here.
func checkLayout(r io.ReaderAt, size int64, files []*zip.File) []string {
	var out []string
	dirStart, dirEnd, err := directoryBounds(r, size)
	if err != nil {
		return []string{err.Error()}
	}
	type placed struct {
		f    *zip.File
		data int64
	}
	var es []placed
	for _, f := range files {
		off, err := f.DataOffset()
		if err != nil {
			out = append(out, fmt.Sprintf("entry %s: local header unreadable: %v", f.Name, err))
			continue
		}
		es = append(es, placed{f, off})
	}
	sort.Slice(es, func(a, b int) bool { return es[a].data < es[b].data })
	byData := map[int64]*zip.File{}
	for _, e := range es {
		byData[e.data] = e.f
	}
	pos := int64(0)
	seen := 0
	for pos < dirStart {
		var h [30]byte
		if _, err := r.ReadAt(h[:], pos); err != nil || binary.LittleEndian.Uint32(h[:]) != sigLocal {
			out = append(out, fmt.Sprintf("%d bytes at offset %d belong to no entry of the zip's directory", dirStart-pos, pos))
			break
		}
		flags := binary.LittleEndian.Uint16(h[6:])
		method := binary.LittleEndian.Uint16(h[8:])
		csize := binary.LittleEndian.Uint32(h[18:])
		usize := binary.LittleEndian.Uint32(h[22:])
		nlen := int64(binary.LittleEndian.Uint16(h[26:]))
		elen := int64(binary.LittleEndian.Uint16(h[28:]))
		name := make([]byte, nlen)
		if _, err := r.ReadAt(name, pos+30); err != nil {
			out = append(out, fmt.Sprintf("local header at offset %d is cut short", pos))
			break
		}
		data := pos + 30 + nlen + elen
		f := byData[data]
		if f == nil || f.Name != string(name) {
			out = append(out, fmt.Sprintf("entry %q at offset %d is not in the zip's directory (a tool reading the zip front to back would show it)", name, pos))
			break
		}
		seen++
		if method != f.Method {
			out = append(out, fmt.Sprintf("entry %s: local header says method %d, directory %d", f.Name, method, f.Method))
		}
		if flags&0x8 == 0 && csize != 0xFFFFFFFF && (uint64(csize) != f.CompressedSize64 || uint64(usize) != f.UncompressedSize64) {
			out = append(out, fmt.Sprintf("entry %s: local header sizes differ from the directory's", f.Name))
		}
		pos = data + int64(f.CompressedSize64)
		if flags&0x8 != 0 {
			n, err := descriptorLen(r, pos, f)
			if err != nil {
				out = append(out, fmt.Sprintf("entry %s: %v", f.Name, err))
				break
			}
			pos += n
		}
	}
	if pos > dirStart {
		out = append(out, fmt.Sprintf("entries run %d bytes into the zip's directory", pos-dirStart))
	}
	if seen == len(es) && len(out) == 0 && dirEnd != size {
		out = append(out, fmt.Sprintf("%d bytes follow the zip's end record", size-dirEnd))
	}
	if seen < len(es) && len(out) == 0 {
		out = append(out, fmt.Sprintf("%d entries of the directory are not where it says", len(es)-seen))
	}
	return out
}

// descriptorLen checks the data descriptor at pos against the directory's
// sizes for f and returns its length.
func descriptorLen(r io.ReaderAt, pos int64, f *zip.File) (int64, error) {
	var b [24]byte
	n, _ := r.ReadAt(b[:], pos)
	buf := b[:n]
	skip := int64(0)
	if len(buf) >= 4 && binary.LittleEndian.Uint32(buf) == sigDescriptor {
		buf, skip = buf[4:], 4
	}
	zip64 := f.CompressedSize64 >= 0xFFFFFFFF || f.UncompressedSize64 >= 0xFFFFFFFF
	if zip64 {
		if len(buf) < 20 || binary.LittleEndian.Uint64(buf[4:]) != f.CompressedSize64 || binary.LittleEndian.Uint64(buf[12:]) != f.UncompressedSize64 {
			return 0, fmt.Errorf("data descriptor does not match the directory")
		}
		return skip + 20, nil
	}
	if len(buf) < 12 || uint64(binary.LittleEndian.Uint32(buf[4:])) != f.CompressedSize64 || uint64(binary.LittleEndian.Uint32(buf[8:])) != f.UncompressedSize64 {
		return 0, fmt.Errorf("data descriptor does not match the directory")
	}
	return skip + 12, nil
}

// directoryBounds finds the central directory's start and the end of the
// zip's end record (with its comment) from the end of the file.
func directoryBounds(r io.ReaderAt, size int64) (start, end int64, err error) {
	const maxTail = 22 + 65535
	tail := int64(maxTail)
	if size < tail {
		tail = size
	}
	buf := make([]byte, tail)
	if _, err := r.ReadAt(buf, size-tail); err != nil && err != io.EOF {
		return 0, 0, fmt.Errorf("cannot read the zip's end record: %v", err)
	}
	i := bytes.LastIndex(buf, []byte{0x50, 0x4b, 0x05, 0x06})
	for i >= 0 && i+22 > len(buf) {
		i = bytes.LastIndex(buf[:i], []byte{0x50, 0x4b, 0x05, 0x06})
	}
	if i < 0 {
		return 0, 0, fmt.Errorf("no end record")
	}
	eocd := size - tail + int64(i)
	rec := buf[i:]
	dirSize := int64(binary.LittleEndian.Uint32(rec[12:]))
	dirOff := int64(binary.LittleEndian.Uint32(rec[16:]))
	end = eocd + 22 + int64(binary.LittleEndian.Uint16(rec[20:]))
	dirEnd := eocd
	if dirOff == 0xFFFFFFFF || dirSize == 0xFFFFFFFF {
		var loc [20]byte
		if eocd < 20 {
			return 0, 0, fmt.Errorf("zip64 locator missing")
		}
		if _, err := r.ReadAt(loc[:], eocd-20); err != nil || binary.LittleEndian.Uint32(loc[:]) != sigLocator64 {
			return 0, 0, fmt.Errorf("zip64 locator missing")
		}
		recOff := int64(binary.LittleEndian.Uint64(loc[8:]))
		var r64 [56]byte
		if _, err := r.ReadAt(r64[:], recOff); err != nil || binary.LittleEndian.Uint32(r64[:]) != sigEnd64 {
			return 0, 0, fmt.Errorf("zip64 end record missing")
		}
		dirSize = int64(binary.LittleEndian.Uint64(r64[40:]))
		dirOff = int64(binary.LittleEndian.Uint64(r64[48:]))
		dirEnd = recOff
	}
	if dirOff+dirSize != dirEnd {
		return 0, 0, fmt.Errorf("the directory (offset %d, %d bytes) does not end where the end record starts (%d): bytes hidden between them", dirOff, dirSize, dirEnd)
	}
	return dirOff, end, nil
}

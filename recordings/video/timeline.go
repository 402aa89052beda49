package video

import (
	"bufio"
	"fmt"
	"io"
	"math"
	"os"
	"path/filepath"
	"strconv"
	"strings"
	"time"
)

// The capture writes each kept frame to its folder as fNNNNNN.jpg and one
// line per frame to indexFile: the frame's time after the start of the
// capture, in microseconds, and its file name.
const indexFile = "frames.txt"

// slot is the first video frame (tick) of a constant frame rate video that
// shows a screencast frame taken at offset: tick k is at k/fps seconds and
// shows the last frame taken at or before it.
func slot(offset time.Duration, fps int) int64 {
	if offset <= 0 {
		return 0
	}
	return int64(math.Ceil(offset.Seconds()*float64(fps) - 1e-9))
}

// ticks is the number of video frames of a video of duration d.
func ticks(d time.Duration, fps int) int64 {
	n := int64(math.Round(d.Seconds() * float64(fps)))
	return max(n, 1)
}

// frameWriter streams the frames of a capture to disk. Of the frames that
// fall in the same tick only the last one can be seen, so it holds back one
// frame and keeps only the last of each tick: the folder holds at most fps
// frames per second however fast the page changes, and memory holds one frame.
type frameWriter struct {
	dir   string
	fps   int
	index *os.File
	buf   *bufio.Writer

	pending   []byte
	pendingAt time.Duration
	hasFrame  bool
	last      time.Duration // offset of the last frame, frames never go back in time
	written   int
	seen      int
}

func newFrameWriter(dir string, fps int) (*frameWriter, error) {
	f, err := os.Create(filepath.Join(dir, indexFile))
	if err != nil {
		return nil, fmt.Errorf("create frame index: %w", err)
	}
	return &frameWriter{dir: dir, fps: fps, index: f, buf: bufio.NewWriter(f)}, nil
}

// add takes a frame taken at offset. data must not change afterwards.
func (w *frameWriter) add(data []byte, offset time.Duration) error {
	w.seen++
	offset = max(offset, w.last)
	w.last = offset
	if w.hasFrame && slot(w.pendingAt, w.fps) == slot(offset, w.fps) {
		w.pending, w.pendingAt = data, offset
		return nil
	}
	if err := w.flush(); err != nil {
		return err
	}
	w.pending, w.pendingAt, w.hasFrame = data, offset, true
	return nil
}

// flush writes the held-back frame.
func (w *frameWriter) flush() error {
	if !w.hasFrame {
		return nil
	}
	w.written++
	name := fmt.Sprintf("f%06d.jpg", w.written)
	if err := os.WriteFile(filepath.Join(w.dir, name), w.pending, 0o644); err != nil {
		return fmt.Errorf("write frame: %w", err)
	}
	if _, err := fmt.Fprintf(w.buf, "%d %s\n", w.pendingAt.Microseconds(), name); err != nil {
		return fmt.Errorf("write frame index: %w", err)
	}
	w.hasFrame, w.pending = false, nil
	return nil
}

// close writes the last frame and the index.
func (w *frameWriter) close() error {
	err := w.flush()
	if ferr := w.buf.Flush(); err == nil {
		err = ferr
	}
	if cerr := w.index.Close(); err == nil {
		err = cerr
	}
	return err
}

// frameRef is one line of the frame index.
type frameRef struct {
	At   time.Duration
	File string
}

// readFrames calls fn for each frame of the index in dir, in order.
func readFrames(dir string, fn func(frameRef) error) error {
	f, err := os.Open(filepath.Join(dir, indexFile))
	if err != nil {
		return fmt.Errorf("read frame index: %w", err)
	}
	defer f.Close()
	sc := bufio.NewScanner(f)
	for line := 1; sc.Scan(); line++ {
		us, name, ok := strings.Cut(sc.Text(), " ")
		n, err := strconv.ParseInt(us, 10, 64)
		if !ok || err != nil || name == "" || strings.ContainsAny(name, "/\\'") {
			return fmt.Errorf("frame index %s line %d: malformed", dir, line)
		}
		if err := fn(frameRef{At: time.Duration(n) * time.Microsecond, File: name}); err != nil {
			return err
		}
	}
	return sc.Err()
}

// writeConcat writes the ffmpeg concat list of the frames in dir for a video
// of n ticks at fps whose capture started at tick lead: each frame lasts
// until the next one, the first from the start, the last until the end, in
// whole ticks. It returns the number of frames in the list.
func writeConcat(w io.Writer, dir string, fps int, lead, n int64) (int, error) {
	bw := bufio.NewWriter(w)
	fmt.Fprintln(bw, "ffconcat version 1.0")
	var (
		prev      *frameRef
		prevStart int64
		count     int
		lastFile  string
	)
	emit := func(f frameRef, start, end int64) {
		if end <= start {
			return
		}
		// The frame rate option gives each frame a time base of one tick,
		// so the times are exact (the default 1/25 s rounds them).
		fmt.Fprintf(bw, "file '%s'\noption framerate %d\nduration %s\n", f.File, fps, strconv.FormatFloat(float64(end-start)/float64(fps), 'f', 6, 64))
		count++
		lastFile = f.File
	}
	err := readFrames(dir, func(f frameRef) error {
		s := min(lead+slot(f.At, fps), n)
		if prev == nil {
			prev, prevStart = &f, 0
			return nil
		}
		emit(*prev, prevStart, s)
		if s > prevStart {
			prevStart = s
		}
		prev = &f
		return nil
	})
	if err != nil {
		return 0, err
	}
	if prev == nil {
		return 0, fmt.Errorf("no frame captured")
	}
	emit(*prev, prevStart, n)
	// The concat demuxer gives the last entry no duration of its own: list
	// the last frame once more so that the one before lasts its full time.
	fmt.Fprintf(bw, "file '%s'\noption framerate %d\n", lastFile, fps)
	return count, bw.Flush()
}

// frameAt returns the file of the frame on screen at offset (the first
// frame when offset is before it).
func frameAt(dir string, offset time.Duration) (string, error) {
	file := ""
	err := readFrames(dir, func(f frameRef) error {
		if file == "" || f.At <= offset {
			file = f.File
		}
		return nil
	})
	if err == nil && file == "" {
		err = fmt.Errorf("no frame captured")
	}
	return file, err
}

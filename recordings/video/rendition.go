package video

import (
	"bufio"
	"bytes"
	"context"
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"slices"
	"strconv"
	"strings"
	"time"

	"journeyproof/recordings"
)

// RenditionFPS is the frame rate of the submission renditions: each still
// is repeated at this rate for as long as it is held.
const RenditionFPS = 10

// Still is one picture of a submission rendition (a title card, or a
// step's settled screen with its overlays burned in), held for a time.
type Still struct {
	// PNG is the picture's file; every still of a rendition has the same
	// size.
	PNG string
	// Hold is how long the picture stays on screen.
	Hold time.Duration
	// Chapter starts a chapter with this title at the still ("" continues
	// the current one).
	Chapter string
	// Subtitle is the text of the soft caption while the still shows.
	Subtitle string
}

// Rendition is a submission video to encode from stills.
type Rendition struct {
	// Title is the video's title (its metadata).
	Title string
	// Lang is the language of the subtitles (a journeyproof language code).
	Lang   string
	Stills []Still
	// FFmpeg is the ffmpeg binary ("ffmpeg" when empty).
	FFmpeg string
}

// Duration is the sum of the stills' holds.
func (r *Rendition) Duration() time.Duration {
	var d time.Duration
	for _, s := range r.Stills {
		d += s.Hold
	}
	return d
}

// Chapters are the rendition's chapters, in milliseconds from the start.
func (r *Rendition) Chapters() []recordings.Chapter {
	var out []recordings.Chapter
	var at int64
	for _, s := range r.Stills {
		if s.Chapter != "" || len(out) == 0 {
			if n := len(out); n > 0 {
				out[n-1].EndMS = at
			}
			t := s.Chapter
			if t == "" {
				t = r.Title
			}
			out = append(out, recordings.Chapter{Title: t, StartMS: at})
		}
		at += s.Hold.Milliseconds()
	}
	if n := len(out); n > 0 {
		out[n-1].EndMS = at
	}
	return out
}

// Encode writes the rendition to out (an MP4: H.264 of the stills, each
// repeated for its hold, with chapters and a soft WebVTT subtitle track).
// The encode is made for stills: one thread, the fastest preset, tuned
// for still images, a key frame at each still.
func (r *Rendition) Encode(ctx context.Context, out string) error {
	if len(r.Stills) == 0 {
		return fmt.Errorf("encode rendition %s: no stills", out)
	}
	var list bytes.Buffer
	list.WriteString("ffconcat version 1.0\n")
	var at int64
	var keys []string
	for _, s := range r.Stills {
		if s.Hold <= 0 {
			continue
		}
		if err := addToConcat(&list, s.PNG); err != nil {
			return err
		}
		fmt.Fprintf(&list, "duration %.3f\n", s.Hold.Seconds())
		keys = append(keys, strconv.FormatFloat(float64(at)/1000, 'f', 3, 64))
		at += s.Hold.Milliseconds()
	}
	// The concat demuxer holds the last file only with a repeat of it.
	if err := addToConcat(&list, r.Stills[len(r.Stills)-1].PNG); err != nil {
		return err
	}
	return r.ffmpeg(ctx, "encode rendition", out, list.Bytes(), r.vtt(), func(listFile, vttFile, metaFile string) []string {
		return []string{"-f", "concat", "-safe", "0", "-i", listFile,
			"-i", vttFile,
			"-f", "ffmetadata", "-i", metaFile,
			"-map", "0:v:0", "-map", "1:s:0?", "-map_metadata", "2", "-map_chapters", "2",
			"-vf", fmt.Sprintf("fps=%d,format=yuv420p", RenditionFPS),
			"-c:v", "libx264", "-preset", "ultrafast", "-tune", "stillimage", "-crf", "26", "-threads", "1",
			"-r", strconv.Itoa(RenditionFPS), "-fps_mode", "cfr",
			"-force_key_frames", strings.Join(keys, ","),
			"-c:s", "mov_text", "-metadata:s:s:0", "language=" + subtitleLanguage(r.Lang), "-metadata:s:s:0", "handler_name=Captions",
			"-t", strconv.FormatFloat(float64(at)/1000, 'f', 3, 64)}
	})
}

// vtt is the rendition's soft captions as WebVTT: a cue per still that
// has a subtitle and is shown.
func (r *Rendition) vtt() []byte {
	var b bytes.Buffer
	b.WriteString("WEBVTT\n")
	var at int64
	for i, s := range r.Stills {
		if s.Hold <= 0 {
			continue
		}
		end := at + s.Hold.Milliseconds()
		if strings.TrimSpace(s.Subtitle) != "" {
			fmt.Fprintf(&b, "\n%d\n%s --> %s\n%s\n", i+1, vttTime(at), vttTime(end), vttEscape(s.Subtitle))
		}
		at = end
	}
	return b.Bytes()
}

// WriteVTT writes the rendition's soft captions as a WebVTT file (the
// same cues as the subtitle track).
func (r *Rendition) WriteVTT(path string) error {
	return os.WriteFile(path, r.vtt(), 0o644)
}

// Concat writes the rendition to out by joining parts, renditions already
// encoded from the same stills in the same order (so the same size and
// encoding), without encoding again; the chapters and title are the
// rendition's own.
func (r *Rendition) Concat(ctx context.Context, parts []string, out string) error {
	var list bytes.Buffer
	list.WriteString("ffconcat version 1.0\n")
	for _, p := range parts {
		if err := addToConcat(&list, p); err != nil {
			return err
		}
	}
	return r.ffmpeg(ctx, "join rendition", out, list.Bytes(), nil, func(listFile, _, metaFile string) []string {
		return []string{"-f", "concat", "-safe", "0", "-i", listFile, "-f", "ffmetadata", "-i", metaFile,
			"-map", "0", "-map_metadata", "1", "-map_chapters", "1", "-c", "copy"}
	})
}

// addToConcat adds path to an ffconcat list.
func addToConcat(list *bytes.Buffer, path string) error {
	abs, err := filepath.Abs(path)
	if err != nil {
		return err
	}
	fmt.Fprintf(list, "file '%s'\n", strings.ReplaceAll(abs, "'", `'\''`))
	return nil
}

// ffmpeg runs ffmpeg (r.FFmpeg, else the one on the PATH) to write out:
// the concat list, the captions (when vtt is not nil) and the rendition's
// title and chapters go to files in a temporary folder beside out, and
// args names them in ffmpeg's arguments. what names the job in errors.
func (r *Rendition) ffmpeg(ctx context.Context, what, out string, list, vtt []byte, args func(listFile, vttFile, metaFile string) []string) error {
	dir, err := os.MkdirTemp(filepath.Dir(out), ".rendition-*")
	if err != nil {
		return fmt.Errorf("%s: %w", what, err)
	}
	defer os.RemoveAll(dir)
	listFile, vttFile, metaFile := filepath.Join(dir, "list.txt"), filepath.Join(dir, "captions.vtt"), filepath.Join(dir, "meta.txt")
	if err := os.WriteFile(listFile, list, 0o644); err != nil {
		return err
	}
	if vtt != nil {
		if err := os.WriteFile(vttFile, vtt, 0o644); err != nil {
			return err
		}
	}
	if err := writeFile(metaFile, func(w *bufio.Writer) error { return writeFFMetadata(w, r.Title, r.Chapters()) }); err != nil {
		return err
	}
	ff := r.FFmpeg
	if ff == "" {
		ff = "ffmpeg"
	}
	cmd := exec.CommandContext(ctx, ff, slices.Concat([]string{"-hide_banner", "-nostdin", "-y", "-loglevel", "error", "-nostats"},
		args(listFile, vttFile, metaFile), []string{"-movflags", "+faststart", out})...)
	var stderr bytes.Buffer
	cmd.Stderr = &stderr
	if err := cmd.Run(); err != nil {
		return fmt.Errorf("%s %s: ffmpeg: %w: %s", what, filepath.Base(out), err, strings.TrimSpace(stderr.String()))
	}
	return nil
}

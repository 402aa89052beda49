package video

import (
	"bufio"
	"bytes"
	"context"
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"strconv"
	"strings"
	"syscall"
	"time"

	"journeyproof/recordings"
)

// The files an encode writes in the capture's folder, next to the frames.
// When ffmpeg is missing they stay there with the frames, so the video can
// be made later by hand.
const (
	concatFile   = "frames.ffconcat"
	metadataFile = "chapters.ffmeta"
	captionsFile = "captions.vtt"
	videoFile    = "video.mp4"
	progressFile = "progress.txt"
)

// x264 settings. Screen content changes little from frame to frame: the
// fastest preset, with CABAC back on (a third smaller for little time),
// keeps the encode far under real time at about 15-25 kB per second of
// video. One thread (filters and encoder) costs a fifth less processor
// time than x264's frame threads, and the encodes run while cells do, at
// the normal priority: at nice 19 an encode waited for every other program
// of a shared machine (it got no processor time in three minutes beside
// other Chromiums, and a run waited minutes for its videos after its last
// cell), and on a machine of its own the work is the same either way.
const (
	x264Preset = "ultrafast"
	x264Params = "cabac=1"
	x264CRF    = "26"
)

// plan is a capture's video laid out: its size, length and chapters.
type plan struct {
	width, height int64
	ticks         int64
	duration      time.Duration
	chapters      []recordings.Chapter
	frames        int // frames in the concat list
}

// process lays out the video of a finished capture and, with ffmpeg,
// encodes and stores it; then the frames are removed. Without ffmpeg the
// frames stay, and one notice says so.
func (s *Source) process(j *job) error {
	p, err := s.prepare(j)
	if err != nil {
		return fmt.Errorf("video of run %d (%s): %w", j.runID, j.cell, err)
	}
	if s.ffmpeg == "" {
		s.skipNotice()
		return nil
	}
	s.sem <- struct{}{}
	started := time.Now()
	frames, usage, err := s.encode(j, p)
	took := time.Since(started)
	<-s.sem
	if err != nil {
		return fmt.Errorf("encode the video of run %d (%s): %w", j.runID, j.cell, err)
	}
	s.mu.Lock()
	s.encoded.videos++
	s.encoded.wall += took
	s.encoded.cpu += usage.cpu
	s.encoded.maxRSS = max(s.encoded.maxRSS, usage.maxRSS)
	s.encoded.duration += p.duration
	s.mu.Unlock()
	if err := s.store1(j, p, frames); err != nil {
		return fmt.Errorf("store the video of run %d (%s): %w", j.runID, j.cell, err)
	}
	if err := os.RemoveAll(j.dir); err != nil {
		s.logger.Warn("video: frames not removed", "dir", j.dir, "err", err)
	}
	return nil
}

// even rounds n up to an even number (H.264 in yuv420p needs even sizes).
func even(n int64) int64 { return n + n%2 }

// prepare writes the concat list, the chapters and the captions.
func (s *Source) prepare(j *job) (*plan, error) {
	d := j.cell.Device
	tick := time.Second / time.Duration(s.fps)
	p := &plan{width: even(d.Width), height: even(d.Height), ticks: j.lead + ticks(j.captured, s.fps)}
	p.duration = time.Duration(p.ticks) * tick
	lead := time.Duration(j.lead) * tick
	steps := make([]stepSpan, len(j.steps))
	for i, st := range j.steps {
		st.Start += lead
		st.End += lead
		steps[i] = st
	}
	p.chapters = chapters(steps, p.duration)
	err := writeFile(filepath.Join(j.dir, concatFile), func(w *bufio.Writer) error {
		n, err := writeConcat(w, j.dir, s.fps, j.lead, p.ticks)
		p.frames = n
		return err
	})
	if err != nil {
		return nil, err
	}
	title := j.cell.Journey.Name + " · " + captionLine(j.cell)
	if err := writeFile(filepath.Join(j.dir, metadataFile), func(w *bufio.Writer) error {
		return writeFFMetadata(w, title, p.chapters)
	}); err != nil {
		return nil, err
	}
	if err := writeFile(filepath.Join(j.dir, captionsFile), func(w *bufio.Writer) error {
		return writeWebVTT(w, p.chapters, j.steps, j.cell)
	}); err != nil {
		return nil, err
	}
	return p, nil
}

func writeFile(path string, fn func(*bufio.Writer) error) error {
	f, err := os.Create(path)
	if err != nil {
		return err
	}
	w := bufio.NewWriter(f)
	if err := fn(w); err != nil {
		f.Close()
		return err
	}
	if err := w.Flush(); err != nil {
		f.Close()
		return err
	}
	return f.Close()
}

// ffmpegArgs is the ffmpeg command line of a capture's video: the frames
// (each lasting until the next) scaled into the device's size, at a
// constant frame rate, H.264 yuv420p with a key frame at each chapter, the
// captions as a mov_text track, the chapters, and the index at the front
// of the file so that it plays while it downloads.
func (s *Source) ffmpegArgs(j *job, p *plan) []string {
	w, h := p.width, p.height
	vf := fmt.Sprintf("scale=%d:%d:force_original_aspect_ratio=decrease,pad=%d:%d:(ow-iw)/2:(oh-ih)/2:color=white,setsar=1,fps=%d,format=yuv420p", w, h, w, h, s.fps)
	keys := make([]string, 0, len(p.chapters))
	for _, c := range p.chapters {
		keys = append(keys, strconv.FormatFloat(float64(c.StartMS)/1000, 'f', 3, 64))
	}
	args := []string{"-hide_banner", "-nostdin", "-y", "-loglevel", "error", "-nostats", "-filter_threads", "1",
		"-progress", progressFile,
		"-f", "concat", "-safe", "0", "-i", concatFile,
		"-i", captionsFile,
		"-f", "ffmetadata", "-i", metadataFile,
		"-map", "0:v:0", "-map", "1:s:0", "-map_metadata", "2", "-map_chapters", "2",
		"-vf", vf,
		"-c:v", "libx264", "-preset", x264Preset, "-x264-params", x264Params, "-crf", x264CRF, "-threads", "1", "-pix_fmt", "yuv420p",
		"-r", strconv.Itoa(s.fps), "-fps_mode", "cfr",
	}
	if len(keys) > 0 {
		args = append(args, "-force_key_frames", strings.Join(keys, ","))
	}
	args = append(args,
		"-c:s", "mov_text", "-metadata:s:s:0", "language="+subtitleLanguage(j.cell.Lang), "-metadata:s:s:0", "handler_name=Steps",
		"-t", strconv.FormatFloat(p.duration.Seconds(), 'f', 3, 64),
		"-movflags", "+faststart",
		videoFile)
	return args
}

// usage is what one ffmpeg run used.
type usage struct {
	cpu    time.Duration
	maxRSS int64 // bytes
}

// encode runs ffmpeg in the capture's folder and returns the number of
// frames of the video.
func (s *Source) encode(j *job, p *plan) (int, usage, error) {
	cmd := exec.CommandContext(context.Background(), s.ffmpeg, s.ffmpegArgs(j, p)...)
	cmd.Dir = j.dir
	var stderr bytes.Buffer
	cmd.Stderr = &stderr
	err := cmd.Run()
	var u usage
	if ps := cmd.ProcessState; ps != nil {
		u.cpu = ps.UserTime() + ps.SystemTime()
		if ru, ok := ps.SysUsage().(*syscall.Rusage); ok {
			u.maxRSS = ru.Maxrss * 1024
		}
	}
	if err != nil {
		msg := strings.TrimSpace(stderr.String())
		if i := strings.LastIndex(msg, "\n"); i >= 0 {
			msg = msg[i+1:]
		}
		return 0, u, fmt.Errorf("ffmpeg: %w: %s", err, msg)
	}
	n, err := progressFrames(filepath.Join(j.dir, progressFile))
	return n, u, err
}

// progressFrames reads the last frame count of ffmpeg's -progress output.
func progressFrames(path string) (int, error) {
	data, err := os.ReadFile(path)
	if err != nil {
		return 0, fmt.Errorf("read ffmpeg progress: %w", err)
	}
	n := -1
	for line := range strings.Lines(string(data)) {
		if v, ok := strings.CutPrefix(strings.TrimSpace(line), "frame="); ok {
			if k, err := strconv.Atoi(strings.TrimSpace(v)); err == nil {
				n = k
			}
		}
	}
	if n < 0 {
		return 0, fmt.Errorf("ffmpeg progress has no frame count")
	}
	return n, nil
}

// posterOffset is the moment the poster shows: the trigger step's screen
// (before the click of a trigger that clicks, after the action otherwise),
// else the first page, at the end of the first step.
func posterOffset(steps []stepSpan) time.Duration {
	for _, s := range steps {
		if !s.Trigger {
			continue
		}
		if s.Interaction || s.End <= 0 {
			return s.Start
		}
		return s.End
	}
	if len(steps) > 0 {
		return max(steps[0].Start, steps[0].End)
	}
	return 0
}

// storePoster stores the poster: the poster step's screenshot at the
// device's size, or without screenshots the video's frame at that step.
func (s *Source) storePoster(j *job) (string, error) {
	if j.poster != nil {
		data, err := posterFromScreenshot(j.poster, int(j.cell.Device.Width), int(j.cell.Device.Height))
		if err != nil {
			return "", err
		}
		return s.store.PutArtifact(data, "image/jpeg")
	}
	frame, err := frameAt(j.dir, posterOffset(j.steps))
	if err != nil {
		return "", err
	}
	return s.store.PutArtifactFile(filepath.Join(j.dir, frame), "image/jpeg")
}

// store1 stores the video, captions and poster of one run, and its Video row.
func (s *Source) store1(j *job, p *plan, frames int) error {
	st := s.store
	mp4 := filepath.Join(j.dir, videoFile)
	fi, err := os.Stat(mp4)
	if err != nil {
		return err
	}
	sha, err := st.PutArtifactFile(mp4, "video/mp4")
	if err != nil {
		return err
	}
	captions, err := st.PutArtifactFile(filepath.Join(j.dir, captionsFile), "text/vtt")
	if err != nil {
		return err
	}
	poster, err := s.storePoster(j)
	if err != nil {
		return err
	}
	row := recordings.Video{RunID: j.runID, SHA256: sha, CaptionsSHA: captions, PosterSHA: poster,
		DurationMS: p.duration.Milliseconds(), Frames: frames, Width: int(p.width), Height: int(p.height), FPS: s.fps,
		Size: fi.Size(), Chapters: p.chapters, CreatedAt: time.Now()}
	if err := st.DB.Save(&row).Error; err != nil {
		return fmt.Errorf("save video row: %w", err)
	}
	return nil
}

// Package video records the workflow video of each cell: it captures the
// cell's tab with the DevTools screencast while the steps run, streaming
// the frames to disk, and after the cell ends encodes them with ffmpeg to
// an MP4 (H.264) with one chapter per step, WebVTT captions (also embedded
// as a subtitle track) and a poster image, stored as artifacts of the run.
//
// Source implements recordings.VideoSource; the command line hands it to
// the Recorder.
package video

import (
	"context"
	"errors"
	"fmt"
	"io"
	"log/slog"
	"os"
	"os/exec"
	"path/filepath"
	"runtime"
	"sync"
	"time"

	"github.com/chromedp/chromedp"

	"journeyproof"
	"journeyproof/journeys"
	"journeyproof/recordings"
)

// DefaultFPS is the frame rate of the videos when Options.FPS is zero.
const DefaultFPS = 10

// FramesDir is the folder, under the store's data directory, where the
// frames of each capture are streamed (one folder per run). A folder is
// removed when its video is stored, and kept when ffmpeg is missing.
const FramesDir = "video-frames"

// Options configure a Source.
type Options struct {
	// FPS is the constant frame rate of the videos (DefaultFPS when zero).
	FPS int
	// FailedOnly keeps the video of a failed cell only: every cell is
	// captured, and the frames of a passed one are dropped.
	FailedOnly bool
	// Parallel bounds the encodes run at once (the number of CPUs when zero).
	Parallel int
	// FFmpeg is the ffmpeg binary; empty means "ffmpeg" on PATH.
	FFmpeg string
	// Notice gets the one notice that video was skipped because ffmpeg is
	// missing (os.Stderr when nil).
	Notice io.Writer
	// Logger gets what goes wrong in the background (slog.Default when nil).
	Logger *slog.Logger

	// ackDelay holds back the acknowledgement of every frame until that
	// long after it came, as a loaded machine does (tests only).
	ackDelay time.Duration
	// noHold makes HoldFrames do nothing, so that a test can count the
	// frames that holding them saves.
	noHold bool
}

// Source captures and encodes the workflow video of every cell of one
// invocation. It implements recordings.VideoSource.
type Source struct {
	store      *recordings.Store
	fps        int
	failedOnly bool
	ffmpeg     string // "" when ffmpeg is missing
	notice     io.Writer
	logger     *slog.Logger
	sem        chan struct{}
	ackDelay   time.Duration
	noHold     bool

	wg         sync.WaitGroup
	noticeOnce sync.Once

	mu   sync.Mutex
	errs []error
	// encoded totals what the encodes took, for the benchmarks.
	encoded struct {
		videos   int
		wall     time.Duration // ffmpeg's wall time
		cpu      time.Duration // ffmpeg's user and system time
		maxRSS   int64         // ffmpeg's largest resident memory, bytes
		duration time.Duration // of the videos
		received int           // screencast frames received
		kept     int           // frames written to disk
	}
}

// New returns a Source that stores the videos in store.
func New(store *recordings.Store, o Options) *Source {
	s := &Source{store: store, fps: o.FPS, failedOnly: o.FailedOnly, notice: o.Notice, logger: o.Logger, ackDelay: o.ackDelay, noHold: o.noHold}
	if s.fps <= 0 {
		s.fps = DefaultFPS
	}
	par := o.Parallel
	if par <= 0 {
		par = runtime.NumCPU()
	}
	s.sem = make(chan struct{}, par)
	if s.notice == nil {
		s.notice = os.Stderr
	}
	if s.logger == nil {
		s.logger = slog.Default()
	}
	bin := o.FFmpeg
	if bin == "" {
		bin = "ffmpeg"
	}
	if p, err := exec.LookPath(bin); err == nil {
		s.ffmpeg = p
	}
	return s
}

// FFmpegFound reports whether the Source found ffmpeg (without it, frames
// are captured and kept but no video is encoded).
func (s *Source) FFmpegFound() bool { return s.ffmpeg != "" }

// Start begins capturing the tab of ctx (the cell's chromedp context).
func (s *Source) Start(ctx context.Context, runID uint, cell journeys.Cell) (recordings.VideoCapture, error) {
	cc := chromedp.FromContext(ctx)
	if cc == nil || cc.Target == nil {
		return nil, errors.New("video: the context has no browser tab")
	}
	parent := filepath.Join(s.store.Dir(), FramesDir)
	if err := os.MkdirAll(parent, 0o755); err != nil {
		return nil, fmt.Errorf("video: %w", err)
	}
	dir, err := os.MkdirTemp(parent, fmt.Sprintf("run-%d-", runID))
	if err != nil {
		return nil, fmt.Errorf("video: %w", err)
	}
	c, err := startCapture(ctx, s, runID, cell, dir, cc.Target.TargetID)
	if err != nil {
		os.RemoveAll(dir)
		return nil, err
	}
	return c, nil
}

// Wait blocks until every capture has been encoded and stored, and returns
// what went wrong.
func (s *Source) Wait() error {
	s.wg.Wait()
	s.mu.Lock()
	defer s.mu.Unlock()
	return errors.Join(s.errs...)
}

func (s *Source) fail(err error) {
	s.logger.Error("video not stored", "err", err)
	s.mu.Lock()
	s.errs = append(s.errs, err)
	s.mu.Unlock()
}

// skipNotice prints, once, that video was skipped because ffmpeg is
// missing, where the frames are, and how to install ffmpeg.
func (s *Source) skipNotice() {
	s.noticeOnce.Do(func() {
		dir, err := filepath.Abs(filepath.Join(s.store.Dir(), FramesDir))
		if err != nil {
			dir = filepath.Join(s.store.Dir(), FramesDir)
		}
		fmt.Fprintf(s.notice, "journeyproof: video skipped: ffmpeg is not installed; the runs are unaffected and their screencast frames are kept in %s (one folder per run). Install ffmpeg (apt-get install ffmpeg, or scripts/setup) to get videos.\n", dir)
	})
}

// finish decides what becomes of a finished capture: dropped (failed-only
// and passed, or interrupted) or encoded in the background. stored gets
// the outcome: nil once the video is stored or when none is meant to be,
// the error when a video that should have been stored is not.
func (s *Source) finish(c *capture, res *journeys.CellResult, stored func(error)) {
	drop := ""
	var lost error
	switch {
	case res.Status == journeyproof.StatusInterrupted:
		drop = "the run was interrupted"
	case s.failedOnly && res.Status == journeyproof.StatusPassed:
		drop = "failed-only and the run passed"
	case c.frames == 0:
		drop = "no frame was captured"
		if c.err == nil {
			s.logger.Warn("no video: the screencast sent no frame", "run", c.runID, "cell", c.cell.String())
		}
	}
	if c.err != nil {
		lost = fmt.Errorf("video of run %d (%s): %w", c.runID, c.cell, c.err)
		s.fail(lost)
		drop = "capture failed"
	}
	if drop != "" {
		s.logger.Debug("video dropped", "run", c.runID, "why", drop)
		os.RemoveAll(c.dir)
		stored(lost)
		return
	}
	j := c.job(res)
	s.wg.Go(func() {
		err := s.process(j)
		if err != nil {
			s.fail(err)
		}
		stored(err)
	})
}

// RemoveLeftovers removes the frames folders that killed processes left
// under the store's data directory: those of runs marked interrupted (see
// recordings.Store.ReapRuns) and of runs no longer stored. A running run's
// frames stay, and so do those of finished runs (kept on purpose when
// ffmpeg is missing or the encode failed). It returns how many it removed.
func RemoveLeftovers(store *recordings.Store) (int, error) {
	parent := filepath.Join(store.Dir(), FramesDir)
	entries, err := os.ReadDir(parent)
	if errors.Is(err, os.ErrNotExist) {
		return 0, nil
	} else if err != nil {
		return 0, fmt.Errorf("video: leftover frames: %w", err)
	}
	folders := map[uint][]string{}
	var ids []uint
	for _, e := range entries {
		var id uint
		if _, err := fmt.Sscanf(e.Name(), "run-%d-", &id); err != nil || !e.IsDir() {
			continue
		}
		if folders[id] == nil {
			ids = append(ids, id)
		}
		folders[id] = append(folders[id], e.Name())
	}
	if len(ids) == 0 {
		return 0, nil
	}
	var runs []recordings.Run
	if err := store.DB.Select("id", "status").Where("id IN ?", ids).Find(&runs).Error; err != nil {
		return 0, fmt.Errorf("video: leftover frames: %w", err)
	}
	keep := map[uint]bool{}
	for _, r := range runs {
		keep[r.ID] = r.Status != journeyproof.StatusInterrupted
	}
	n := 0
	for _, id := range ids {
		if keep[id] {
			continue
		}
		for _, name := range folders[id] {
			if err := os.RemoveAll(filepath.Join(parent, name)); err != nil {
				return n, fmt.Errorf("video: remove leftover frames: %w", err)
			}
			n++
		}
	}
	return n, nil
}

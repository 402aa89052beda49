package recordings

import (
	"context"
	"errors"
	"fmt"
	"log/slog"
	"sync"
	"time"

	"gorm.io/gorm"

	"journeyproof"
	"journeyproof/journeys"
)

// VideoSource captures a workflow video of each cell. The screencast and
// ffmpeg encoding implement it; the Recorder calls it.
type VideoSource interface {
	// Start begins capturing the tab of ctx (a chromedp context) for run.
	Start(ctx context.Context, runID uint, cell journeys.Cell) (VideoCapture, error)
	// Wait blocks until every capture has been encoded and stored.
	Wait() error
}

// VideoCapture is the capture of one cell.
type VideoCapture interface {
	StepStarted(index int, step *journeys.Step, at time.Time)
	StepDone(res *journeys.StepResult)
	// Finish ends the capture; encoding may go on in the background.
	// stored is called once: when the video is stored, or when it will not
	// be (nil when that is intended: the run was interrupted, failed-only
	// and passed, or ffmpeg is missing; the error when it should have been
	// and was not). The Recorder writes the run's final status then, so a
	// run is never passed before its video is safely stored.
	Finish(res *journeys.CellResult, stored func(error))
}

// Recorder stores what the runner observes: it is the journeys.Observer of
// the evidence store. One Recorder serves one invocation (one release).
type Recorder struct {
	Store          *Store
	Release        string
	BaseURL        string
	BrowserVersion string
	// Invocation, when set, is recorded on each run (Run.Invocation).
	Invocation string
	// Video, when set, captures a video of every cell.
	Video VideoSource

	mu       sync.Mutex
	runs     map[string]uint // cell -> run id
	journeys map[string]bool
}

// RunID returns the id of the run of a cell in this invocation.
func (rec *Recorder) RunID(cell journeys.Cell) uint {
	rec.mu.Lock()
	defer rec.mu.Unlock()
	return rec.runs[cell.String()]
}

// SaveJourney records the journey's current file and matrix.
func (s *Store) SaveJourney(j *journeys.Journey) error {
	names := make([]string, len(j.Steps))
	for i, st := range j.Steps {
		names[i] = st.Name
	}
	row := Journey{ID: j.ID, Name: j.Name, Service: j.Service, Process: j.Process, Description: j.Description,
		File: j.File, Source: j.Source, Languages: j.Matrix.Languages, Devices: j.Matrix.Devices, StepNames: names, UpdatedAt: time.Now()}
	for _, b := range j.Branches {
		row.Branches = append(row.Branches, b.Name)
	}
	if err := s.DB.Save(&row).Error; err != nil {
		return fmt.Errorf("save journey %s: %w", j.ID, err)
	}
	return nil
}

// StartCell creates the run (status running, owned by this process) and
// returns its observer. When the video cannot start, the run is stored
// failed with the reason, never left running.
func (rec *Recorder) StartCell(ctx context.Context, cell journeys.Cell, started time.Time) (journeys.CellObserver, error) {
	co, err := rec.newRun(cell, started)
	if err != nil {
		return nil, err
	}
	if rec.Video != nil {
		vc, err := rec.Video.Start(ctx, co.run, cell)
		if err != nil {
			err = fmt.Errorf("start video of %s: %w", cell, err)
			return nil, errors.Join(err, co.end(journeyproof.StatusFailed, err.Error()))
		}
		co.video = vc
	}
	return co, nil
}

// CellFailed records a cell that failed before its first step (its tab
// could not be set up, or the browser had exited), so that every cell
// asked for has a run.
func (rec *Recorder) CellFailed(cell journeys.Cell, res *journeys.CellResult) error {
	co, err := rec.newRun(cell, res.Started)
	if err != nil {
		return err
	}
	return co.CellDone(res)
}

// newRun stores the journey (once per invocation) and creates the run.
func (rec *Recorder) newRun(cell journeys.Cell, started time.Time) (*cellObserver, error) {
	rec.mu.Lock()
	if rec.journeys == nil {
		rec.journeys = map[string]bool{}
		rec.runs = map[string]uint{}
	}
	first := !rec.journeys[cell.Journey.ID]
	rec.journeys[cell.Journey.ID] = true
	rec.mu.Unlock()
	if first {
		if err := rec.Store.SaveJourney(cell.Journey); err != nil {
			return nil, err
		}
	}
	d := cell.Device
	run := Run{Release: rec.Release, JourneyID: cell.Journey.ID, JourneyName: cell.Journey.Name, Service: cell.Journey.Service,
		Process: cell.Journey.Process, Lang: cell.Lang, Device: d.Name, Width: d.Width, Height: d.Height, Scale: d.Scale, Branch: cell.Branch,
		Invocation: rec.Invocation, Status: journeyproof.StatusRunning, BaseURL: rec.BaseURL, BrowserVersion: rec.BrowserVersion, StartedAt: started}
	rec.Store.claim(&run)
	if err := rec.Store.DB.Create(&run).Error; err != nil {
		return nil, fmt.Errorf("create run of %s: %w", cell, err)
	}
	rec.mu.Lock()
	rec.runs[cell.String()] = run.ID
	rec.mu.Unlock()
	return &cellObserver{rec: rec, run: run.ID}, nil
}

// Wait waits for the background work of the invocation (video encoding).
func (rec *Recorder) Wait() error {
	if rec.Video == nil {
		return nil
	}
	return rec.Video.Wait()
}

type cellObserver struct {
	rec   *Recorder
	run   uint
	video VideoCapture
}

// HoldFrames holds the video's frames while the runner captures the page
// (journeys.FrameHolder); without a video, or with one that cannot hold
// its frames, it does nothing.
func (c *cellObserver) HoldFrames() func() {
	if h, ok := c.video.(journeys.FrameHolder); ok {
		return h.HoldFrames()
	}
	return func() {}
}

func (c *cellObserver) StepStarted(index int, step *journeys.Step, at time.Time) {
	if c.video != nil {
		c.video.StepStarted(index, step, at)
	}
}

// StepDone stores the step's screenshots, the step and its findings.
func (c *cellObserver) StepDone(res *journeys.StepResult) error {
	if c.video != nil {
		c.video.StepDone(res)
	}
	st := c.rec.Store
	s := res.Step
	row := Step{RunID: c.run, Index: res.Index, StepID: s.ID, Name: s.Name, Action: string(s.Action), Caption: s.Caption,
		Trigger: s.Trigger, Status: res.Status, Error: res.Error, URL: res.URL, Title: res.Title,
		StartedAt: res.Started, EndedAt: res.Ended, Scale: res.Scale, ScrollX: res.ScrollX, ScrollY: res.ScrollY, Console: res.Console, FailedRequests: res.FailedRequests, Navigations: res.Navigations,
		Masks: res.Masks, Entries: res.Entries, Outcome: res.Outcome, Request: res.Request}
	var errs []error
	var err error
	if res.Screenshot != nil {
		if row.ScreenshotSHA, err = st.PutArtifact(res.Screenshot, "image/png"); err != nil {
			errs = append(errs, err)
		}
	}
	if res.FullPage != nil {
		if row.FullPageSHA, err = st.PutArtifact(res.FullPage, "image/png"); err != nil {
			errs = append(errs, err)
		}
	}
	if res.Phone != nil {
		if row.PhoneSHA, err = st.PutArtifact(res.Phone, "image/png"); err != nil {
			errs = append(errs, err)
		}
	}
	if res.Point != nil {
		row.PointX, row.PointY = &res.Point.X, &res.Point.Y
	}
	if err := st.DB.Create(&row).Error; err != nil {
		return fmt.Errorf("store step %d of run %d: %w", res.Index+1, c.run, err)
	}
	for _, f := range res.Findings {
		fr := FindingRow{RunID: c.run, StepID: row.ID, StepIndex: res.Index, Finding: f}
		fr.Crop = nil // kept by hash
		if len(f.Crop) > 0 {
			if fr.CropSHA, err = st.PutArtifact(f.Crop, "image/png"); err != nil {
				errs = append(errs, err)
			}
		}
		if err := st.DB.Create(&fr).Error; err != nil {
			errs = append(errs, fmt.Errorf("store finding %s of run %d: %w", f.Rule, c.run, err))
		}
	}
	return errors.Join(errs...)
}

// CellDone records how the run ended. With a video, the run stays running
// (with its end, steps and findings stored) until the video is stored, and
// only then gets its final status: a crash in between leaves it to be
// marked interrupted, never passed without its video.
func (c *cellObserver) CellDone(res *journeys.CellResult) error {
	status, reason := res.Status, res.Error
	var errs []error
	// Findings are counted once each: the same rule on the same element of
	// an unchanged screen is one finding (GroupFindings).
	var steps []Step
	var findings []FindingRow
	err := c.rec.Store.DB.Where("run_id = ?", c.run).Find(&steps).Error
	if err == nil {
		err = c.rec.Store.DB.Where("run_id = ?", c.run).Order("step_index, id").Find(&findings).Error
	}
	if err != nil {
		err = fmt.Errorf("count the findings of run %d: %w", c.run, err)
		errs = append(errs, err)
		status, reason = journeyproof.StatusFailed, joinReason(reason, "evidence not stored: "+err.Error())
	}
	nErr, nWarn, nWaived := CountFindings(steps, findings)
	upd := map[string]any{"error": reason, "ended_at": res.Ended, "step_count": res.Steps, "errors": nErr, "warnings": nWarn, "waived": nWaived}
	if c.video == nil {
		upd["status"] = status
	}
	if err := c.rec.Store.DB.Model(&Run{}).Where("id = ? AND status = ?", c.run, journeyproof.StatusRunning).Updates(upd).Error; err != nil {
		errs = append(errs, fmt.Errorf("finish run %d: %w", c.run, err))
	}
	if c.video != nil {
		c.video.Finish(res, func(verr error) {
			st, why := status, reason
			if verr != nil {
				why = joinReason(why, "video not stored: "+verr.Error())
				if st == journeyproof.StatusPassed {
					st = journeyproof.StatusFailed
				}
			}
			if err := c.end(st, why); err != nil {
				slog.Error("run status not stored", "run", c.run, "err", err)
			}
		})
	}
	return errors.Join(errs...)
}

// end writes the run's final status (only over running: a run marked
// interrupted meanwhile stays so).
func (c *cellObserver) end(status, reason string) error {
	upd := map[string]any{"status": status, "error": reason, "ended_at": gorm.Expr("COALESCE(ended_at, ?)", time.Now())}
	if err := c.rec.Store.DB.Model(&Run{}).Where("id = ? AND status = ?", c.run, journeyproof.StatusRunning).Updates(upd).Error; err != nil {
		return fmt.Errorf("finish run %d: %w", c.run, err)
	}
	return nil
}

// joinReason adds b to the reason a run failed.
func joinReason(a, b string) string {
	if a == "" {
		return b
	}
	return a + "; " + b
}

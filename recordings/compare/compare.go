package compare

import (
	"context"
	"errors"
	"fmt"
	"runtime"
	"slices"
	"sync"
	"time"

	"journeyproof/recordings"
)

// Store is what a comparison reads from the evidence store, and the one
// thing it writes: diff images. *recordings.Store implements it.
type Store interface {
	CellRuns(release string, journeyIDs ...string) ([]recordings.CellRun, error)
	Run(id uint) (*recordings.Run, error)
	Baselines() ([]recordings.Baseline, error)
	ReadArtifact(sha string) ([]byte, error)
	PutArtifact(data []byte, contentType string) (string, error)
}

// fullRunsLoader is a Store that reads many full runs in a few queries
// (recordings.Store does): a comparison of two releases of hundreds of
// runs then costs four queries, not four per run.
type fullRunsLoader interface {
	FullRuns(ids []uint) (map[uint]*recordings.Run, error)
}

// Side names one side of a comparison: a release, or one run. The zero
// Side as the base means the baseline of each journey.
type Side struct {
	Release string
	RunID   uint
}

// IsZero reports whether the side names nothing.
func (s Side) IsZero() bool { return s.Release == "" && s.RunID == 0 }

func (s Side) String() string {
	switch {
	case s.RunID != 0:
		return fmt.Sprintf("run %d", s.RunID)
	case s.Release != "":
		return fmt.Sprintf("release %q", s.Release)
	}
	return "baseline"
}

// Options tunes a comparison. The zero value is the usual setting.
type Options struct {
	// Threshold is the colour threshold of the image diff (0 means 0.1).
	Threshold float64
	// Limit says when a step's visual difference is over the limit.
	Limit Limit
	// NoDiffImages skips encoding and storing the diff images.
	NoDiffImages bool
	// Parallel is how many step pairs are diffed at once (0: one per CPU).
	Parallel int
}

// ErrNoBaseline is returned when the base is the baseline and none is set.
var ErrNoBaseline = errors.New("no baseline is set: run 'journeyproof baseline set --release NAME' or give a base")

// ErrUsage marks an error in what was asked (a release or run that is not
// there), as opposed to a failure reading the store.
var ErrUsage = errors.New("bad comparison")

// Compare compares the head side against the base side (the baseline when
// base is zero) and returns the report. It stores each diff image as an
// artifact (unless opt.NoDiffImages).
func Compare(ctx context.Context, st Store, base, head Side, opt Options) (*Report, error) {
	if head.IsZero() {
		return nil, fmt.Errorf("%w: no head release or run given", ErrUsage)
	}
	if opt.Threshold <= 0 {
		opt.Threshold = 0.1
	}
	pairs, err := resolve(st, base, head)
	if err != nil {
		return nil, err
	}
	rep := &Report{Base: base.String(), Head: head.String(), Threshold: opt.Threshold, Limit: opt.Limit,
		Runs: []RunDiff{}, BaseReleases: []string{}, HeadReleases: []string{}, Generated: time.Now()}
	// Read the full runs (steps and findings): all at once when the store
	// can, else one by one.
	var loaded map[uint]*recordings.Run
	if fl, ok := st.(fullRunsLoader); ok {
		var ids []uint
		for _, p := range pairs {
			for _, r := range []*recordings.Run{p.Base, p.Head} {
				if r != nil {
					ids = append(ids, r.ID)
				}
			}
		}
		if loaded, err = fl.FullRuns(ids); err != nil {
			return nil, err
		}
	}
	full := func(r *recordings.Run) (*recordings.Run, error) {
		if r == nil {
			return nil, nil
		}
		if fr := loaded[r.ID]; fr != nil {
			return fr, nil
		}
		return st.Run(r.ID)
	}
	var jobs []*job
	for _, p := range pairs {
		b, err := full(p.Base)
		if err != nil {
			return nil, err
		}
		h, err := full(p.Head)
		if err != nil {
			return nil, err
		}
		rd, js := diffRun(b, h)
		for _, j := range js {
			j.run = len(rep.Runs)
		}
		rep.Runs = append(rep.Runs, rd)
		jobs = append(jobs, js...)
		if b != nil && !slices.Contains(rep.BaseReleases, b.Release) {
			rep.BaseReleases = append(rep.BaseReleases, b.Release)
		}
		if h != nil && !slices.Contains(rep.HeadReleases, h.Release) {
			rep.HeadReleases = append(rep.HeadReleases, h.Release)
		}
	}
	// Visual diffs, in parallel; each job writes only its own StepDiff.
	for _, j := range jobs {
		j.step = &rep.Runs[j.run].Steps[j.index]
	}
	if err := runJobs(ctx, st, jobs, opt); err != nil {
		return nil, err
	}
	for i := range rep.Runs {
		finishRun(&rep.Runs[i], opt.Limit)
	}
	rep.Summary = summarise(rep.Runs)
	return rep, nil
}

// resolve finds the runs of both sides and pairs them.
func resolve(st Store, base, head Side) ([]RunPair, error) {
	if base.RunID != 0 && head.RunID != 0 {
		b, err := oneRun(st, base.RunID)
		if err != nil {
			return nil, err
		}
		h, err := oneRun(st, head.RunID)
		if err != nil {
			return nil, err
		}
		return []RunPair{{Cell: h.Key(), Base: b, Head: h}}, nil
	}
	var headRuns, baseRuns []recordings.Run
	var err error
	var only *recordings.Run // the one run named on either side
	if head.RunID != 0 {
		if only, err = oneRun(st, head.RunID); err != nil {
			return nil, err
		}
		headRuns = []recordings.Run{*only}
	} else if headRuns, err = releaseRuns(st, head.Release); err != nil {
		return nil, err
	}
	switch {
	case base.RunID != 0:
		if only, err = oneRun(st, base.RunID); err != nil {
			return nil, err
		}
		baseRuns = []recordings.Run{*only}
	case base.Release != "":
		if baseRuns, err = releaseRuns(st, base.Release); err != nil {
			return nil, err
		}
	default:
		if baseRuns, err = baselineRuns(st); err != nil {
			return nil, err
		}
	}
	if only != nil {
		cell := only.Key()
		keep := func(r recordings.Run) bool { return r.Key() != cell }
		baseRuns = slices.DeleteFunc(baseRuns, keep)
		headRuns = slices.DeleteFunc(headRuns, keep)
	}
	return PairRuns(baseRuns, headRuns), nil
}

func oneRun(st Store, id uint) (*recordings.Run, error) {
	r, err := st.Run(id)
	if errors.Is(err, recordings.ErrNotFound) {
		return nil, fmt.Errorf("%w: run %d is not in the store", ErrUsage, id)
	}
	return r, err
}

// releaseRuns returns the run of each cell of a release
// (recordings.Store.CellRuns, the rule the coverage and the pack use too).
func releaseRuns(st Store, release string) ([]recordings.Run, error) {
	cells, err := st.CellRuns(release)
	if err != nil {
		return nil, err
	}
	if len(cells) == 0 {
		return nil, fmt.Errorf("%w: release %q has no runs", ErrUsage, release)
	}
	return recordings.Runs(cells), nil
}

// baselineRuns returns the run of each cell of each journey's baseline
// release: a journey's own baseline, else the baseline for every journey.
func baselineRuns(st Store) ([]recordings.Run, error) {
	bs, err := st.Baselines()
	if err != nil {
		return nil, fmt.Errorf("read baselines: %w", err)
	}
	if len(bs) == 0 {
		return nil, fmt.Errorf("%w: %w", ErrUsage, ErrNoBaseline)
	}
	own := map[string]bool{}
	for _, b := range bs {
		if b.JourneyID != "*" {
			own[b.JourneyID] = true
		}
	}
	var out []recordings.Run
	for _, b := range bs {
		var only []string
		if b.JourneyID != "*" {
			only = []string{b.JourneyID}
		}
		cells, err := st.CellRuns(b.Release, only...)
		if err != nil {
			return nil, err
		}
		for _, c := range cells {
			if b.JourneyID == "*" && own[c.JourneyID] {
				continue
			}
			out = append(out, c.Run)
		}
	}
	return out, nil
}

// job is the visual diff of one step pair.
type job struct {
	run, index       int // where its StepDiff is in the report
	step             *StepDiff
	base, head       *recordings.Step
	baseRun, headRun *recordings.Run
}

func runJobs(ctx context.Context, st Store, jobs []*job, opt Options) error {
	n := opt.Parallel
	if n <= 0 {
		n = runtime.GOMAXPROCS(0)
	}
	var wg sync.WaitGroup
	errs := make([]error, len(jobs))
	next := make(chan int)
	for range min(n, len(jobs)) {
		wg.Go(func() {
			for i := range next {
				errs[i] = jobs[i].do(st, opt)
			}
		})
	}
feed:
	for i := range jobs {
		select {
		case next <- i:
		case <-ctx.Done():
			break feed
		}
	}
	close(next)
	wg.Wait()
	if err := ctx.Err(); err != nil {
		return err
	}
	return errors.Join(errs...)
}

// diffRun compares two runs of a cell, except the screenshots: it returns
// the visual diffs still to do.
func diffRun(b, h *recordings.Run) (RunDiff, []*job) {
	any := h
	if any == nil {
		any = b
	}
	rd := RunDiff{Cell: any.Key(), Journey: any.JourneyID, JourneyName: any.JourneyName, Process: any.Process,
		Lang: any.Lang, Device: any.Device, Branch: any.Branch, Base: runInfo(b), Head: runInfo(h), Steps: []StepDiff{},
		Paths: PathDiff{Base: pathSequence(b), Head: pathSequence(h)}}
	rd.Paths.Changed = b != nil && h != nil && !slices.Equal(rd.Paths.Base, rd.Paths.Head)
	switch {
	case b == nil:
		rd.Status = StatusAdded
		return rd, nil
	case h == nil:
		rd.Status = StatusRemoved
		return rd, nil
	}
	bf, hf := findingsByStep(b), findingsByStep(h)
	var jobs []*job
	for _, p := range PairSteps(b.Steps, h.Steps) {
		sd := StepDiff{Key: p.Key, Reordered: p.Reordered, Base: stepInfo(p.Base, b), Head: stepInfo(p.Head, h)}
		var bFind, hFind []recordings.FindingRow
		if p.Base != nil {
			sd.StepID, sd.Name = p.Base.StepID, p.Base.Name
			bFind = bf[p.Base.Index]
		}
		if p.Head != nil {
			sd.StepID, sd.Name = p.Head.StepID, p.Head.Name
			hFind = hf[p.Head.Index]
		}
		sd.Findings = diffFindings(bFind, hFind)
		switch {
		case p.Base == nil:
			sd.Status = StatusAdded
		case p.Head == nil:
			sd.Status = StatusRemoved
		default:
			sd.Text = textChanges(p.Base, p.Head)
			if p.Base.ScreenshotSHA != "" && p.Head.ScreenshotSHA != "" {
				jobs = append(jobs, &job{index: len(rd.Steps), base: p.Base, head: p.Head, baseRun: b, headRun: h})
			}
		}
		rd.Steps = append(rd.Steps, sd)
	}
	return rd, jobs
}

// finishRun sets the statuses and counts of a run pair once its visual
// diffs are done.
func finishRun(rd *RunDiff, lim Limit) {
	changed := rd.Paths.Changed
	for i := range rd.Steps {
		sd := &rd.Steps[i]
		rd.NewErrors += sd.Findings.newErrors()
		rd.NewFindings += len(sd.Findings.New)
		rd.ResolvedFindings += len(sd.Findings.Resolved)
		switch sd.Status {
		case StatusAdded:
			rd.StepsAdded++
			changed = true
			continue
		case StatusRemoved:
			rd.StepsRemoved++
			changed = true
			continue
		}
		sd.OverLimit = lim.Over(sd.Visual)
		if sd.OverLimit {
			rd.StepsOverLimit++
		}
		if sd.Reordered {
			rd.StepsReordered++
		}
		if sd.OverLimit || sd.Reordered || len(sd.Text) > 0 || len(sd.Findings.New) > 0 || len(sd.Findings.Resolved) > 0 {
			sd.Status = StatusChanged
			rd.StepsChanged++
			changed = true
		} else {
			sd.Status = StatusUnchanged
		}
	}
	if rd.Status == "" {
		rd.Status = StatusUnchanged
		if changed {
			rd.Status = StatusChanged
		}
	}
}

func summarise(runs []RunDiff) Summary {
	var s Summary
	for _, r := range runs {
		s.Runs++
		switch r.Status {
		case StatusUnchanged:
			s.Unchanged++
		case StatusChanged:
			s.Changed++
		case StatusAdded:
			s.Added++
		case StatusRemoved:
			s.Removed++
		}
		s.add(r.StepCounts)
	}
	s.Failed = s.StepsOverLimit > 0 || s.StepsAdded > 0 || s.StepsRemoved > 0 || s.StepsReordered > 0 || s.NewErrors > 0
	return s
}

func runInfo(r *recordings.Run) *RunInfo {
	if r == nil {
		return nil
	}
	return &RunInfo{ID: r.ID, Release: r.Release, Status: r.Status, Error: r.Error, StartedAt: r.StartedAt,
		Width: r.Width, Height: r.Height, Scale: r.Scale}
}

func stepInfo(s *recordings.Step, r *recordings.Run) *StepInfo {
	if s == nil {
		return nil
	}
	return &StepInfo{ID: s.ID, Index: s.Index, Name: s.Name, Status: s.Status, Error: s.Error, URL: s.URL, Title: s.Title,
		Trigger: s.Trigger, Screenshot: s.ScreenshotSHA, Scale: scaleOf(s, r)}
}

// scaleOf is the screenshot pixels per CSS px of a step.
func scaleOf(s *recordings.Step, r *recordings.Run) float64 {
	switch {
	case s != nil && s.Scale > 0:
		return s.Scale
	case r != nil && r.Scale > 0:
		return r.Scale
	}
	return 1
}

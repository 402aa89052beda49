package main

import (
	"context"
	"fmt"
	"math"
	"os"
	"slices"
	"strconv"
	"strings"
	"sync"
	"testing"
	"time"

	"journeyproof"
	"journeyproof/engine"
	"journeyproof/journeys"
	"journeyproof/journeys/chrome"
	"journeyproof/journeys/examples"
	"journeyproof/recordings"
)

// demoBench sets up a benchmark of the demo matrix: the bundled journeys'
// cells, the sandbox on a free port, and an engine (2 cells at once) on a
// temporary store, all stopped when the benchmark ends.
func demoBench(b *testing.B) ([]journeys.Cell, string, *engine.Engine) {
	b.Helper()
	// the main paths: the figures the README compares
	cells := benchCells(b, bundledJourneys(b), nil, nil, []string{journeys.MainBranch})
	base := benchSandbox(b)
	e, err := engine.Open(context.Background(), engine.Config{DataDir: b.TempDir(), Parallel: 2, Work: true})
	if err != nil {
		b.Fatal(err)
	}
	b.Cleanup(e.Close)
	return cells, base, e
}

// bundledJourneys loads the bundled journeys.
func bundledJourneys(b *testing.B) []*journeys.Journey {
	b.Helper()
	js, err := examples.Load()
	if err != nil {
		b.Fatal(err)
	}
	return js
}

// benchCells expands the journeys over langs and devices (nil: each
// journey's matrix) and keeps the paths named in branches (nil: every
// path, as `make demo` runs them).
func benchCells(b *testing.B, js []*journeys.Journey, langs, devices, branches []string) []journeys.Cell {
	b.Helper()
	cells, err := journeys.Expand(js, langs, devices)
	if err == nil {
		cells, err = journeys.NarrowBranches(cells, branches)
	}
	if err != nil {
		b.Fatal(err)
	}
	return cells
}

// benchSandbox serves the clean sandbox on a free port until the
// benchmark ends, and returns its base URL.
func benchSandbox(b *testing.B) string {
	b.Helper()
	base, stop, err := startSandbox("127.0.0.1:0", nil)
	if err != nil {
		b.Fatal(err)
	}
	b.Cleanup(stop)
	return base
}

// BenchmarkDemoMatrix runs the demo matrix (3 processes x 3 languages x 2
// devices against the sandbox) in several configurations and reports each
// wall time and its ratio to the full configuration:
//
//	full          screenshots on, checks on, video off
//	no-shots      per-step screenshots off
//	no-checks     probe and rules off (their cost per step is reported)
//	video         video on (screencast + ffmpeg encode)
//
// Run with: go test -run '^$' -bench DemoMatrix -benchtime 1x ./cmd/journeyproof
func BenchmarkDemoMatrix(b *testing.B) {
	ctx := context.Background()
	cells, base, e := demoBench(b)

	type config struct {
		name          string
		shots, checks bool
		video         string
	}
	configs := []config{{"full", true, true, "off"}, {"no-shots", false, true, "off"}, {"no-checks", true, false, "off"}, {"video", true, true, "on"}}
	took := map[string]time.Duration{}
	steps := 0
	b.ResetTimer()
	for range b.N {
		for _, c := range configs {
			e.NoScreenshots, e.NoChecks = !c.shots, !c.checks
			e.Video = engine.Video{Mode: c.video, FPS: 10}
			start := time.Now()
			out, err := e.Run(ctx, engine.Invocation{Release: "bench-" + c.name, BaseURL: base, Cells: cells})
			if err != nil {
				b.Fatal(err)
			}
			took[c.name] += time.Since(start)
			n := 0
			for _, r := range out.Results {
				if r.Status != journeyproof.StatusPassed {
					b.Fatalf("%s: %s: %s", c.name, r.Cell, r.Error)
				}
				n += r.Steps
			}
			steps = n
		}
	}
	full := took["full"].Seconds() / float64(b.N)
	for _, c := range configs {
		s := took[c.name].Seconds() / float64(b.N)
		b.ReportMetric(s, "s/"+c.name)
	}
	b.ReportMetric(full/(took["no-shots"].Seconds()/float64(b.N)), "x-screenshots-on/off")
	b.ReportMetric((took["video"].Seconds()/float64(b.N))/full, "x-video-on/off")
	perStep := (full - took["no-checks"].Seconds()/float64(b.N)) / float64(steps) * 2 // two cells run at once
	b.ReportMetric(perStep*1000, "ms-checks/step")
	b.ReportMetric(100*(full-took["no-checks"].Seconds()/float64(b.N))/full, "%-checks")
}

// cellRunner runs one cell at a time in e's browser against base, as e.Run
// runs it, with e's checker when checks is set, and passes the steps to
// obs.
func cellRunner(e *engine.Engine, base string, obs journeys.Observer, checks bool) *chrome.Runner {
	r := &chrome.Runner{Browser: e.Browser, BaseURL: base, Parallel: 1, Observer: obs}
	if checks {
		r.Checker = &engine.Checker{Pack: e.Pack, Store: e.Store}
	}
	return r
}

// releaseRecorder stores the steps of the cells run against base in e's store
// under release, as e.Run does.
func releaseRecorder(e *engine.Engine, base, release string) journeys.Observer {
	return &recordings.Recorder{Store: e.Store, Release: release, BaseURL: base, BrowserVersion: e.Browser.Version()}
}

// stepTimes is an Observer that adds up where the steps' time went, and
// passes every call on to the evidence store: the runner's StepTimes, the
// steps' wall time (walls) and the time of storing their evidence (store).
type stepTimes struct {
	journeys.Observer
	mu           sync.Mutex
	times        journeys.StepTimes
	walls, store time.Duration
}

type stepTimesCell struct {
	journeys.CellObserver
	st *stepTimes
}

func (o *stepTimes) StartCell(ctx context.Context, cell journeys.Cell, started time.Time) (journeys.CellObserver, error) {
	co, err := o.Observer.StartCell(ctx, cell, started)
	return stepTimesCell{co, o}, err
}

func (c stepTimesCell) StepDone(res *journeys.StepResult) error {
	start := time.Now()
	err := c.CellObserver.StepDone(res)
	c.st.mu.Lock()
	c.st.times.Screenshots += res.Times.Screenshots
	c.st.times.Settle += res.Times.Settle
	c.st.times.Check += res.Times.Check
	c.st.walls += res.Ended.Sub(res.Started)
	c.st.store += time.Since(start)
	c.st.mu.Unlock()
	return err
}

// busyTime is the processor time the whole machine has spent not idle
// since it started (Linux: /proc/stat, all processors).
func busyTime() (time.Duration, error) {
	b, err := os.ReadFile("/proc/stat")
	if err != nil {
		return 0, err
	}
	line, _, _ := strings.Cut(string(b), "\n")
	f := strings.Fields(line)
	if len(f) < 8 || f[0] != "cpu" {
		return 0, fmt.Errorf("/proc/stat: unexpected first line %q", line)
	}
	var ticks int64
	for i, v := range f[1:8] { // user nice system idle iowait irq softirq
		n, err := strconv.ParseInt(v, 10, 64)
		if err != nil {
			return 0, fmt.Errorf("/proc/stat: %w", err)
		}
		if i != 3 && i != 4 {
			ticks += n
		}
	}
	return time.Duration(ticks) * 10 * time.Millisecond, nil // USER_HZ is 100 on Linux
}

// BenchmarkChecksPerStep measures what the probe and the rules (and the
// trigger request's check) add to a step of the demo matrix. The demo runs
// two cells at once, and the machine's speed drifts by more than the
// checks cost between one run of the matrix and the next. So the runs with
// and without the checks are interleaved cell by cell: each cell runs twice
// at once (two lanes, as the demo's two cells) with the checks, and twice
// at once without them, the two in turn (which goes first alternates), and
// the time per step of the two is compared:
//
//	%-added     (with - without) / with, over all the iterations (and the
//	            least and most of one iteration, and their standard deviation)
//	%-cpu-added the same for the processor time the whole machine spent
//	            (Linux only; both cores are busy during the matrix, so it
//	            tells what the checks' work costs a step)
//	%-in-check  the time from the runner's call of the screen check to its
//	            return, as a share of a step: more than the checks add, as it
//	            includes a wait for the page to finish the screenshots' work
//	            (the full-page capture resizes the page and back), which
//	            without the checks the next step's first command waits for
//
// Run with: go test -run '^$' -bench ChecksPerStep -benchtime 6x ./cmd/journeyproof
func BenchmarkChecksPerStep(b *testing.B) {
	ctx := context.Background()
	cells, base, e := demoBench(b)
	type lanes struct {
		obs   stepTimes
		took  time.Duration
		steps int
		cpu   time.Duration // processor time of the whole machine
	}
	var with, without lanes
	// pair runs cell in two lanes at once and adds their time to l.
	pair := func(l *lanes, cell journeys.Cell, checks bool) {
		var wg sync.WaitGroup
		var mu sync.Mutex
		cpu0, cpuErr := busyTime()
		defer func() {
			if cpu1, err := busyTime(); err == nil && cpuErr == nil {
				l.cpu += cpu1 - cpu0
			}
		}()
		for lane := range 2 {
			run := cellRunner(e, base, &l.obs, checks)
			wg.Go(func() {
				cr := run.RunCell(ctx, cell)
				if cr.Status != journeyproof.StatusPassed {
					b.Errorf("%s (lane %d): %s", cr.Cell, lane, cr.Error)
				}
				mu.Lock()
				l.took += cr.Ended.Sub(cr.Started)
				l.steps += cr.Steps
				mu.Unlock()
			})
		}
		wg.Wait()
		if b.Failed() {
			b.FailNow()
		}
	}
	// A first round warms the browser, the page caches and the store up.
	var warm lanes
	warm.obs.Observer = releaseRecorder(e, base, "bench-checks-warm")
	for _, cell := range cells {
		pair(&warm, cell, true)
	}
	var added []float64 // of each iteration
	b.ResetTimer()
	for i := range b.N {
		with.obs.Observer = releaseRecorder(e, base, fmt.Sprintf("bench-checks-%d-with", i))
		without.obs.Observer = releaseRecorder(e, base, fmt.Sprintf("bench-checks-%d-without", i))
		wt, ws, ot, os := with.took, with.steps, without.took, without.steps
		for k, cell := range cells {
			for _, checks := range []bool{(i+k)%2 == 0, (i+k)%2 == 1} {
				if checks {
					pair(&with, cell, true)
				} else {
					pair(&without, cell, false)
				}
			}
		}
		ms := func(d time.Duration, steps int) float64 { return float64(d.Microseconds()) / 1000 / float64(steps) }
		w, o := ms(with.took-wt, with.steps-ws), ms(without.took-ot, without.steps-os)
		added = append(added, 100*(w-o)/w)
	}
	perStep := func(d time.Duration, l *lanes) float64 { return float64(d.Microseconds()) / 1000 / float64(l.steps) }
	step := perStep(with.took, &with)
	b.ReportMetric(step, "ms/step")
	b.ReportMetric(perStep(without.took, &without), "ms/step-without")
	b.ReportMetric(100*(step-perStep(without.took, &without))/step, "%-added")
	b.ReportMetric(slices.Min(added), "%-added-min")
	b.ReportMetric(slices.Max(added), "%-added-max")
	if len(added) > 1 {
		mean, ss := 0.0, 0.0
		for _, a := range added {
			mean += a / float64(len(added))
		}
		for _, a := range added {
			ss += (a - mean) * (a - mean)
		}
		b.ReportMetric(math.Sqrt(ss/float64(len(added)-1)), "%-added-sd")
	}
	if with.cpu > 0 && without.cpu > 0 {
		c, o := perStep(with.cpu, &with), perStep(without.cpu, &without)
		b.ReportMetric(c, "ms-cpu/step")
		b.ReportMetric(100*(c-o)/c, "%-cpu-added")
	}
	b.ReportMetric(perStep(with.obs.times.Check, &with), "ms-check/step")
	// The screenshots' time with and without the checks: what a step
	// spends on them, and whether the checks slow them.
	b.ReportMetric(perStep(with.obs.times.Screenshots, &with), "ms-shots/step")
	b.ReportMetric(perStep(with.obs.times.Settle, &with), "ms-settle/step")
	b.ReportMetric(perStep(without.obs.times.Screenshots, &without), "ms-shots/step-without")
	b.ReportMetric(100*perStep(with.obs.times.Check, &with)/step, "%-in-check")
}

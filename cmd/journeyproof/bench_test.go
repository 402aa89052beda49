package main

import (
	"context"
	"fmt"
	"sync"
	"testing"
	"time"

	"github.com/chromedp/chromedp"

	"journeyproof/journeys"
	"journeyproof/journeys/examples"
	"journeyproof/recordings"
)

// demoBench sets up a benchmark of the demo matrix: the bundled journeys'
// cells, the sandbox on a free port, and an engine (2 cells at once) on a
// temporary store, all stopped when the benchmark ends.
func demoBench(b *testing.B) ([]journeys.Cell, string, *engine) {
	b.Helper()
	js, err := examples.Load()
	if err != nil {
		b.Fatal(err)
	}
	cells, err := journeys.Expand(js, nil, nil)
	if err != nil {
		b.Fatal(err)
	}
	base, stop, err := startSandbox("127.0.0.1:0", nil)
	if err != nil {
		b.Fatal(err)
	}
	b.Cleanup(stop)
	e, err := openEngine(context.Background(), b.TempDir(), "", 2)
	if err != nil {
		b.Fatal(err)
	}
	b.Cleanup(e.close)
	return cells, base, e
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
			e.noScreenshots, e.noChecks = !c.shots, !c.checks
			e.video = videoConfig{mode: c.video, fps: 10}
			start := time.Now()
			out, err := e.run(ctx, invocation{Release: "bench-" + c.name, BaseURL: base, Cells: cells})
			if err != nil {
				b.Fatal(err)
			}
			took[c.name] += time.Since(start)
			n := 0
			for _, r := range out.Results {
				if r.Status != journeys.StatusPassed {
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

// timedChecker measures the time the runner spends in the checker. With
// settle, each screen check first waits for the page to finish the work
// the step's screenshots left it (a no-op evaluation, timed apart as
// waited): that wait is not the checks' doing, and without them the next
// step's first command would wait instead.
type timedChecker struct {
	inner  journeys.Checker
	settle bool
	mu     sync.Mutex
	spent  time.Duration
	waited time.Duration
	calls  int
}

func (c *timedChecker) add(d, waited time.Duration) {
	c.mu.Lock()
	c.spent += d
	c.waited += waited
	c.calls++
	c.mu.Unlock()
}

func (c *timedChecker) CheckScreen(ctx context.Context, in journeys.ScreenInput) (journeys.ScreenCheck, error) {
	var waited time.Duration
	if c.settle {
		start := time.Now()
		if _, err := chromedp.Run(ctx, chromedp.Evaluate[int]("0")); err != nil {
			return journeys.ScreenCheck{}, err
		}
		waited = time.Since(start)
	}
	start := time.Now()
	defer func() { c.add(time.Since(start), waited) }()
	return c.inner.CheckScreen(ctx, in)
}

func (c *timedChecker) CheckTrigger(ctx context.Context, in journeys.TriggerInput) (journeys.TriggerCheck, error) {
	start := time.Now()
	defer func() { c.add(time.Since(start), 0) }()
	return c.inner.CheckTrigger(ctx, in)
}

// BenchmarkChecksPerStep measures, inside runs of the demo matrix, the time
// the probe and the rules take (and the trigger request's check) as a share
// of the cells' time: unlike the difference of two matrix runs, it is not
// blurred by the noise between runs. Each iteration runs the matrix twice:
//
//	in-checker  the time from the runner's call of the checker to its return
//	added       the same after a no-op evaluation has waited for the page to
//	            finish the screenshots' work (reported as ms-wait/step)
//
// Run with: go test -run '^$' -bench ChecksPerStep -benchtime 1x ./cmd/journeyproof
func BenchmarkChecksPerStep(b *testing.B) {
	ctx := context.Background()
	cells, base, e := demoBench(b)
	type result struct {
		tc       *timedChecker
		cellTime time.Duration
		steps    int
	}
	res := map[bool]*result{}
	for _, settle := range []bool{false, true} {
		res[settle] = &result{tc: &timedChecker{inner: &checker{pack: e.pack, store: e.store}, settle: settle}}
	}
	b.ResetTimer()
	for i := range b.N {
		// Alternate the order, so that neither always runs on a warmer
		// or a more loaded machine.
		for _, settle := range []bool{i%2 == 1, i%2 == 0} {
			r := res[settle]
			rec := &recordings.Recorder{Store: e.store, Release: fmt.Sprintf("bench-checks-%d-%v", i, settle), BaseURL: base, BrowserVersion: e.browser.Version()}
			run := &journeys.Runner{Browser: e.browser, BaseURL: base, Parallel: 2, Observer: rec, Checker: r.tc}
			for _, cr := range run.Run(ctx, cells) {
				if cr.Status != journeys.StatusPassed {
					b.Fatalf("%s: %s", cr.Cell, cr.Error)
				}
				r.cellTime += cr.Ended.Sub(cr.Started)
				r.steps += cr.Steps
			}
		}
	}
	in, added := res[false], res[true]
	perStep := func(d time.Duration, r *result) float64 { return float64(d.Microseconds()) / 1000 / float64(r.steps) }
	b.ReportMetric(perStep(in.tc.spent, in), "ms-in-checker/step")
	b.ReportMetric(perStep(in.cellTime, in), "ms/step")
	b.ReportMetric(100*in.tc.spent.Seconds()/in.cellTime.Seconds(), "%-in-checker")
	b.ReportMetric(perStep(added.tc.waited, added), "ms-wait/step")
	b.ReportMetric(perStep(added.tc.spent, added), "ms-added/step")
	// Of the step time as the runner has it (without the extra no-op).
	b.ReportMetric(100*perStep(added.tc.spent, added)/perStep(in.cellTime, in), "%-added")
}

package main

import (
	"context"
	"fmt"
	"sync"
	"testing"
	"time"

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

// timedChecker measures the time the runner spends in the checker.
type timedChecker struct {
	inner journeys.Checker
	mu    sync.Mutex
	spent time.Duration
	calls int
}

func (c *timedChecker) add(d time.Duration) {
	c.mu.Lock()
	c.spent += d
	c.calls++
	c.mu.Unlock()
}

func (c *timedChecker) CheckScreen(ctx context.Context, in journeys.ScreenInput) (journeys.ScreenCheck, error) {
	start := time.Now()
	defer func() { c.add(time.Since(start)) }()
	return c.inner.CheckScreen(ctx, in)
}

func (c *timedChecker) CheckTrigger(ctx context.Context, in journeys.TriggerInput) (journeys.TriggerCheck, error) {
	start := time.Now()
	defer func() { c.add(time.Since(start)) }()
	return c.inner.CheckTrigger(ctx, in)
}

// BenchmarkChecksPerStep measures, inside one run of the demo matrix, the
// time the probe and the rules take (and the trigger request's check) as a
// share of the cells' time: unlike the difference of two matrix runs, it is
// not blurred by the noise between runs.
//
// Run with: go test -run '^$' -bench ChecksPerStep -benchtime 1x ./cmd/journeyproof
func BenchmarkChecksPerStep(b *testing.B) {
	ctx := context.Background()
	cells, base, e := demoBench(b)
	tc := &timedChecker{inner: &checker{pack: e.pack, store: e.store}}
	var cellTime time.Duration
	steps := 0
	b.ResetTimer()
	for i := range b.N {
		rec := &recordings.Recorder{Store: e.store, Release: fmt.Sprintf("bench-checks-%d", i), BaseURL: base, BrowserVersion: e.browser.Version()}
		r := &journeys.Runner{Browser: e.browser, BaseURL: base, Parallel: 2, Observer: rec, Checker: tc}
		for _, res := range r.Run(ctx, cells) {
			if res.Status != journeys.StatusPassed {
				b.Fatalf("%s: %s", res.Cell, res.Error)
			}
			cellTime += res.Ended.Sub(res.Started)
			steps += res.Steps
		}
	}
	b.ReportMetric(float64(tc.spent.Milliseconds())/float64(steps), "ms-checks/step")
	b.ReportMetric(float64(cellTime.Milliseconds())/float64(steps), "ms/step")
	b.ReportMetric(100*tc.spent.Seconds()/cellTime.Seconds(), "%-of-step-time")
}

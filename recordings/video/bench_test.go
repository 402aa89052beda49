package video

import (
	"bufio"
	"context"
	"encoding/json"
	"fmt"
	"io"
	"os"
	"os/exec"
	"runtime"
	"strconv"
	"strings"
	"syscall"
	"testing"
	"time"

	"github.com/chromedp/chromedp"

	"journeyproof"
	"journeyproof/internal/browsertest"
	"journeyproof/journeys"
	"journeyproof/journeys/chrome"
	"journeyproof/journeys/examples"
	"journeyproof/recordings"
)

// Benchmarks (run with -benchtime 1x; each iteration runs real journeys):
//
//	go test -run '^$' -bench . -benchtime 1x -timeout 60m ./recordings/video
//	JOURNEYPROOF_BENCH_LONG=1 go test -run '^$' -bench PeakRSS -benchtime 1x -timeout 60m ./recordings/video
//
// BenchmarkDemoMatrix runs the 18 cells of the bundled journeys (3
// processes x 3 languages x 2 devices, screenshots on, 2 cells at once)
// against the sandbox with video off and then on, and reports the wall
// times, their ratio, and what the encodes took per second of video.
// BenchmarkEncode encodes the frames of a page that changes all the time
// (the worst case: a new frame every tick). BenchmarkPeakRSS runs a
// 1-minute (and, with JOURNEYPROOF_BENCH_LONG=1, a 10-minute) journey in a
// child process and reports that process's peak resident memory.

// matrixRun is what one run of the matrix took.
type matrixRun struct {
	wall time.Duration
	// cpu is the processor time of this process, Chromium (all its
	// processes) and ffmpeg: on a busy machine it says more than wall time.
	cpu                    time.Duration
	self, chromium, ffmpeg time.Duration
	src                    *Source
}

// runMatrix runs the cells into a new store, with video from the Source
// that video makes when it is not nil, and returns the wall and processor
// time including the encodes.
func runMatrix(b *testing.B, cells []journeys.Cell, video func(*recordings.Store) *Source) matrixRun {
	b.Helper()
	shared.Need(b)
	store, err := recordings.Open(b.TempDir())
	if err != nil {
		b.Fatal(err)
	}
	defer store.Close()
	rec := &recordings.Recorder{Store: store, Release: "bench", BaseURL: baseURL, BrowserVersion: browser.Version()}
	var src *Source
	if video != nil {
		src = video(store)
		rec.Video = src
	}
	r := &chrome.Runner{Browser: browser, BaseURL: baseURL, Parallel: runtime.NumCPU(), Observer: rec}
	self0, chromium0 := processCPU(b)
	started := time.Now()
	results := r.Run(context.Background(), cells)
	if err := rec.Wait(); err != nil {
		b.Fatal(err)
	}
	m := matrixRun{wall: time.Since(started), src: src}
	self1, chromium1 := processCPU(b)
	m.self, m.chromium = self1-self0, chromium1-chromium0
	if src != nil {
		m.ffmpeg = src.encoded.cpu
	}
	m.cpu = m.self + m.chromium + m.ffmpeg
	for _, res := range results {
		if res.Status != journeyproof.StatusPassed {
			b.Fatalf("%s: %s %s", res.Cell, res.Status, res.Error)
		}
	}
	return m
}

// processCPU is the processor time used so far by this process, and by the
// Chromium process and all its descendants (the children that ended are
// counted in their parents' cutime and cstime).
func processCPU(b *testing.B) (self, chromium time.Duration) {
	b.Helper()
	var ru syscall.Rusage
	if err := syscall.Getrusage(syscall.RUSAGE_SELF, &ru); err != nil {
		b.Fatal(err)
	}
	self = time.Duration(ru.Utime.Nano() + ru.Stime.Nano())
	root := browser.PID()
	if root == 0 {
		b.Fatal("no Chromium process")
	}
	ps, err := browsertest.Processes()
	if err != nil {
		b.Fatal(err)
	}
	parent := map[int]int{}
	for _, p := range ps {
		parent[p.PID] = p.Parent
	}
	for _, p := range ps {
		for q := p.PID; q > 1; q = parent[q] {
			if q == root {
				chromium += p.CPU
				break
			}
		}
	}
	return self, chromium
}

func BenchmarkDemoMatrix(b *testing.B) {
	js, err := examples.Load()
	if err != nil {
		b.Fatal(err)
	}
	cells, err := journeys.Expand(js, nil, nil)
	if err == nil { // the main paths: the figures the README compares
		cells, err = journeys.NarrowBranches(cells, []string{journeys.MainBranch})
	}
	if err != nil {
		b.Fatal(err)
	}
	var off, on, offCPU, onCPU, encWall, encCPU, videoDur time.Duration
	received, kept := 0, 0
	var offSelf, onSelf, offChromium, onChromium time.Duration
	videos := 0
	for b.Loop() {
		m := runMatrix(b, cells, nil)
		off += m.wall
		offCPU += m.cpu
		offSelf += m.self
		offChromium += m.chromium
		m = runMatrix(b, cells, func(st *recordings.Store) *Source {
			return New(st, Options{Parallel: runtime.NumCPU(), Notice: io.Discard})
		})
		on += m.wall
		onCPU += m.cpu
		onSelf += m.self
		onChromium += m.chromium
		src := m.src
		encWall += src.encoded.wall
		encCPU += src.encoded.cpu
		videoDur += src.encoded.duration
		videos += src.encoded.videos
		received += src.encoded.received
		kept += src.encoded.kept
	}
	if videos != b.N*len(cells) {
		b.Fatalf("%d videos for %d cells", videos, b.N*len(cells))
	}
	n := float64(b.N)
	b.ReportMetric(off.Seconds()/n, "s-video-off")
	b.ReportMetric(on.Seconds()/n, "s-video-on")
	b.ReportMetric(on.Seconds()/off.Seconds(), "on/off")
	b.ReportMetric(offCPU.Seconds()/n, "cpu-s-video-off")
	b.ReportMetric(onCPU.Seconds()/n, "cpu-s-video-on")
	b.ReportMetric(onCPU.Seconds()/offCPU.Seconds(), "cpu-on/off")
	// Where the extra processor time goes: this process (frames received
	// and written), Chromium (frames drawn and JPEG-encoded) and ffmpeg.
	b.ReportMetric((onSelf-offSelf).Seconds()/n, "cpu-s-extra-go")
	b.ReportMetric((onChromium-offChromium).Seconds()/n, "cpu-s-extra-chromium")
	b.ReportMetric(encCPU.Seconds()/n, "cpu-s-ffmpeg")
	b.ReportMetric(float64(received)/videoDur.Seconds(), "frames-received/video-s")
	b.ReportMetric(float64(kept)/videoDur.Seconds(), "frames-kept/video-s")
	b.ReportMetric(encWall.Seconds()/videoDur.Seconds(), "encode-s/video-s")
	b.ReportMetric(encCPU.Seconds()/videoDur.Seconds(), "encode-cpu-s/video-s")
}

// captureTicking captures d of the ticking page on the device, the way the
// Recorder does, keeping the frames, and returns the encode job.
func captureTicking(b *testing.B, device string, d time.Duration) *job {
	b.Helper()
	shared.Need(b)
	store, err := recordings.Open(b.TempDir())
	if err != nil {
		b.Fatal(err)
	}
	b.Cleanup(func() { store.Close() })
	src := New(store, Options{FFmpeg: "/nonexistent/ffmpeg", Notice: io.Discard})
	dev := journeyproof.BuiltinDevices()[device]
	cell := journeys.Cell{Journey: &journeys.Journey{ID: "bench", Name: "Ticking page"}, Lang: "en", Device: dev}
	tab, cancel := chromedp.NewContext(browser.Context(), chromedp.WithNewBrowserContext())
	defer cancel()
	started := time.Now()
	if err := chromedp.Do(tab, chromedp.EmulateViewport(dev.Width, dev.Height, chromedp.EmulateScale(dev.Scale))); err != nil {
		b.Fatal(err)
	}
	vc, err := src.Start(tab, 1, cell)
	if err != nil {
		b.Fatal(err)
	}
	c := vc.(*capture)
	step := &journeys.Step{Name: "Watch the clock", Action: journeys.ActWait, Duration: d}
	c.StepStarted(0, step, time.Now())
	if err := chromedp.Do(tab, chromedp.Navigate(baseURL+"/t/tick")); err != nil {
		b.Fatal(err)
	}
	time.Sleep(d)
	res := &journeys.CellResult{Cell: cell, Status: journeyproof.StatusPassed, Started: started, Ended: time.Now(), Steps: 1}
	c.StepDone(&journeys.StepResult{Index: 0, Step: step, Status: journeyproof.StatusPassed, Ended: res.Ended})
	c.Finish(res, func(error) {})
	if err := src.Wait(); err != nil {
		b.Fatal(err)
	}
	return c.job(res)
}

func BenchmarkEncode(b *testing.B) {
	for _, device := range []string{"desktop", "mobile"} {
		b.Run(device, func(b *testing.B) {
			j := captureTicking(b, device, 20*time.Second)
			enc := New(nil, Options{})
			var wall, cpu, dur time.Duration
			frames, captured := 0, 0
			for b.Loop() {
				p, err := enc.prepare(j)
				if err != nil {
					b.Fatal(err)
				}
				started := time.Now()
				n, u, err := enc.encode(j, p)
				if err != nil {
					b.Fatal(err)
				}
				wall += time.Since(started)
				cpu += u.cpu
				dur += p.duration
				frames, captured = n, p.frames
			}
			b.ReportMetric(wall.Seconds()/dur.Seconds(), "encode-s/video-s")
			b.ReportMetric(cpu.Seconds()/dur.Seconds(), "encode-cpu-s/video-s")
			b.ReportMetric(float64(frames), "frames")
			b.ReportMetric(float64(captured), "frames-captured")
		})
	}
}

// benchChildEnv, set to a duration, makes the test binary a child of
// BenchmarkPeakRSS instead of running the tests.
const benchChildEnv = "JOURNEYPROOF_VIDEO_BENCH_CHILD"

// childReport is what a child of BenchmarkPeakRSS prints.
type childReport struct {
	PeakRSSKB      int64   `json:"peakRssKB"`
	VideoSeconds   float64 `json:"videoSeconds"`
	Frames         int     `json:"frames"`
	EncodeSeconds  float64 `json:"encodeSeconds"`
	FFmpegPeakRSSK int64   `json:"ffmpegPeakRssKB"`
	Error          string  `json:"error,omitempty"`
}

// rssChild runs a journey of the given length on the ticking page (ten
// chapters) with the whole pipeline (runner, store, video capture and
// encode), then prints this process's peak resident memory.
func rssChild(arg string) int {
	rep := childReport{}
	defer func() {
		json.NewEncoder(os.Stdout).Encode(rep)
	}()
	d, err := time.ParseDuration(arg)
	if err != nil {
		rep.Error = err.Error()
		return 1
	}
	var sb strings.Builder
	fmt.Fprintf(&sb, "id: long\nname: A long journey\nprocess: benchmark\nmatrix: {languages: [en], devices: [desktop]}\nsteps:\n  - name: Open the ticking page\n    goto: /t/tick\n")
	for i := range 10 {
		fmt.Fprintf(&sb, "  - name: Watch %d\n    wait: %s\n", i+1, d/10)
	}
	j, err := journeys.Parse("long.yaml", []byte(sb.String()))
	if err != nil {
		rep.Error = err.Error()
		return 1
	}
	cells, _ := journeys.Expand([]*journeys.Journey{j}, nil, nil)
	dir, err := os.MkdirTemp("", "journeyproof-rss-")
	if err != nil {
		rep.Error = err.Error()
		return 1
	}
	defer os.RemoveAll(dir)
	store, err := recordings.Open(dir)
	if err != nil {
		rep.Error = err.Error()
		return 1
	}
	defer store.Close()
	src := New(store, Options{Notice: io.Discard})
	rec := &recordings.Recorder{Store: store, Release: "bench", BaseURL: baseURL, BrowserVersion: browser.Version(), Video: src}
	r := &chrome.Runner{Browser: browser, BaseURL: baseURL, Parallel: 1, Observer: rec, StepTimeout: d}
	res := r.Run(context.Background(), cells)
	if err := rec.Wait(); err != nil {
		rep.Error = err.Error()
		return 1
	}
	if res[0].Status != journeyproof.StatusPassed {
		rep.Error = res[0].Error
		return 1
	}
	run, err := store.Run(rec.RunID(cells[0]))
	if err != nil || run.Video == nil {
		rep.Error = fmt.Sprintf("no video: %v", err)
		return 1
	}
	rep.VideoSeconds = float64(run.Video.DurationMS) / 1000
	rep.Frames = run.Video.Frames
	rep.EncodeSeconds = src.encoded.wall.Seconds()
	rep.FFmpegPeakRSSK = src.encoded.maxRSS / 1024
	rep.PeakRSSKB = peakRSSKB()
	return 0
}

// peakRSSKB reads this process's peak resident memory (VmHWM).
func peakRSSKB() int64 {
	f, err := os.Open("/proc/self/status")
	if err != nil {
		return -1
	}
	defer f.Close()
	sc := bufio.NewScanner(f)
	for sc.Scan() {
		if v, ok := strings.CutPrefix(sc.Text(), "VmHWM:"); ok {
			n, _ := strconv.ParseInt(strings.TrimSuffix(strings.TrimSpace(v), " kB"), 10, 64)
			return n
		}
	}
	return -1
}

func BenchmarkPeakRSS(b *testing.B) {
	durations := []time.Duration{time.Minute}
	if os.Getenv("JOURNEYPROOF_BENCH_LONG") == "1" {
		durations = append(durations, 10*time.Minute)
	}
	reports := map[time.Duration]childReport{}
	for b.Loop() {
		for _, d := range durations {
			cmd := exec.Command(os.Args[0], "-test.run=^$")
			cmd.Env = append(os.Environ(), benchChildEnv+"="+d.String())
			cmd.Stderr = os.Stderr
			out, err := cmd.Output()
			var rep childReport
			if jerr := json.Unmarshal(out, &rep); jerr != nil || err != nil || rep.Error != "" {
				b.Fatalf("%s journey: %v %v %s (%s)", d, err, jerr, rep.Error, out)
			}
			reports[d] = rep
		}
	}
	for _, d := range durations {
		rep := reports[d]
		name := strings.TrimSuffix(d.String(), "0s")
		b.ReportMetric(float64(rep.PeakRSSKB)/1024, "MB-peak-rss-"+name)
		b.ReportMetric(rep.VideoSeconds, "s-video-"+name)
		b.ReportMetric(float64(rep.FFmpegPeakRSSK)/1024, "MB-ffmpeg-peak-rss-"+name)
		b.ReportMetric(rep.EncodeSeconds/rep.VideoSeconds, "encode-s/video-s-"+name)
	}
	if len(durations) == 2 {
		b.ReportMetric(float64(reports[durations[1]].PeakRSSKB)/float64(reports[durations[0]].PeakRSSKB), "peak-rss-10m/1m")
	}
}

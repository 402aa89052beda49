package video

import (
	"bytes"
	"context"
	"encoding/json"
	"fmt"
	"image"
	"image/color"
	"image/jpeg"
	"image/png"
	"math"
	"net/http"
	"os"
	"os/exec"
	"path/filepath"
	"strconv"
	"strings"
	"testing"

	"journeyproof/internal/browsertest"
	"journeyproof/internal/chrometest"
	"journeyproof/internal/storetest"
	"journeyproof/journeys"
	"journeyproof/journeys/chrome"
	"journeyproof/recordings"
)

// One browser and one loopback server (the sandbox plus the test pages
// under /t/) for the package, started by the first test that needs them
// (shared.Need).
var (
	browser *chrome.Browser
	baseURL string // http://127.0.0.1:PORT
	// otherURL is the same server under another site name, so that going
	// there is a cross-site navigation (a new renderer process).
	otherURL string
	shared   = browsertest.Shared{Setup: startShared}
)

func TestMain(m *testing.M) {
	var code int
	if d := os.Getenv(benchChildEnv); d != "" {
		// A child process of BenchmarkPeakRSS: run one long journey and
		// report this process's peak memory.
		if err := shared.Start(); err != nil {
			fmt.Fprintln(os.Stderr, err)
			os.Exit(1)
		}
		code = rssChild(d)
	} else {
		code = m.Run()
	}
	shared.Close()
	os.Exit(code)
}

// startShared starts the package's browser and loopback server.
func startShared() (func(), error) {
	site, err := chrometest.Start(testPages)
	if err != nil {
		return nil, err
	}
	browser, baseURL = site.Browser, site.URL
	otherURL = strings.Replace(site.URL, "127.0.0.1", "localhost", 1)
	return site.Close, nil
}

// testPages serves pages made to be told apart in a video:
// /t/page?c=COLOUR&next=URL fills the screen with a colour and links to
// next (#next) and opens a new tab (#pop), &h=PX makes it that tall;
// /t/popup?c=COLOUR&close=MS is
// that tab, closing itself; /t/tick keeps changing (a clock and a moving
// bar), so frames keep coming.
func testPages(mux *http.ServeMux) {
	mux.HandleFunc("GET /t/page", func(w http.ResponseWriter, r *http.Request) {
		q := r.URL.Query()
		h, _ := strconv.Atoi(q.Get("h"))
		w.Header().Set("Content-Type", "text/html; charset=utf-8")
		fmt.Fprintf(w, `<!doctype html><html lang="en"><head><meta name="viewport" content="width=device-width"><title>%[1]s</title>
<style>html,body{margin:0;height:100%%;background:%[1]s;color:#fff;font:24px sans-serif}a,button{display:inline-block;margin:16px;padding:12px 20px;font-size:20px}body{min-height:%[4]dpx}</style></head>
<body><h1>%[1]s</h1><a id="next" href="%[2]s">Next</a><button id="pop" onclick="window.open('/t/popup?c=yellow&close=%[3]s')">Open a tab</button></body></html>`,
			q.Get("c"), q.Get("next"), q.Get("close"), h)
	})
	mux.HandleFunc("GET /t/popup", func(w http.ResponseWriter, r *http.Request) {
		q := r.URL.Query()
		ms, _ := strconv.Atoi(q.Get("close"))
		w.Header().Set("Content-Type", "text/html; charset=utf-8")
		fmt.Fprintf(w, `<!doctype html><html lang="en"><head><meta name="viewport" content="width=device-width"><title>popup</title>
<style>html,body{margin:0;height:100%%;background:%s}</style></head><body><h1>popup</h1>
<script>setTimeout(() => window.close(), %d)</script></body></html>`, q.Get("c"), ms)
	})
	mux.HandleFunc("GET /t/tick", func(w http.ResponseWriter, r *http.Request) {
		w.Header().Set("Content-Type", "text/html; charset=utf-8")
		fmt.Fprint(w, tickPage)
	})
	mux.HandleFunc("GET /t/static", func(w http.ResponseWriter, r *http.Request) {
		w.Header().Set("Content-Type", "text/html; charset=utf-8")
		fmt.Fprint(w, `<!doctype html><html lang="en"><head><title>static</title></head><body style="background:#336"><h1 id="done" style="color:#fff">Nothing moves here</h1></body></html>`)
	})
}

// tickPage changes every animation frame: a running clock and a bar that
// sweeps the screen once a second.
const tickPage = `<!doctype html><html lang="en"><head><meta name="viewport" content="width=device-width"><title>tick</title>
<style>html,body{margin:0;height:100%;background:#fff;font:32px monospace}#bar{position:absolute;left:0;top:50%;height:80px;width:0;background:#c00}</style></head>
<body><h1 id="clock">0.000</h1><div id="bar"></div>
<script>const t0 = performance.now();
function tick(now) { const s = (now - t0) / 1000; document.getElementById("clock").textContent = s.toFixed(3);
document.getElementById("bar").style.width = ((s % 1) * 100) + "%"; requestAnimationFrame(tick); }
requestAnimationFrame(tick);</script></body></html>`

// runResult is what one test invocation left.
type runResult struct {
	store   *recordings.Store
	results []journeys.CellResult
	rec     *recordings.Recorder
	src     *Source
	notice  *bytes.Buffer
	waitErr error
}

// runJourneys runs the journeys (YAML texts) over langs x devices with a
// video Source and waits for the encodes.
func runJourneys(t *testing.T, o Options, screenshots bool, langs, devices []string, sources ...string) *runResult {
	t.Helper()
	shared.Need(t)
	var js []*journeys.Journey
	for i, src := range sources {
		j, err := journeys.Parse(fmt.Sprintf("test-%d.yaml", i), []byte(src))
		if err != nil {
			t.Fatal(err)
		}
		js = append(js, j)
	}
	cells, err := journeys.Expand(js, langs, devices)
	if err != nil {
		t.Fatal(err)
	}
	store := storetest.Open(t)
	rr := &runResult{store: store, notice: &bytes.Buffer{}}
	o.Notice = rr.notice
	rr.src = New(store, o)
	rr.rec = &recordings.Recorder{Store: store, Release: "test", BaseURL: baseURL, BrowserVersion: browser.Version(), Video: rr.src}
	r := &chrome.Runner{Browser: browser, BaseURL: baseURL, Parallel: 2, NoScreenshots: !screenshots, Observer: rr.rec}
	rr.results = r.Run(context.Background(), cells)
	rr.waitErr = rr.rec.Wait()
	for _, res := range rr.results {
		if res.ObserverError != nil {
			t.Fatalf("%s: evidence not stored: %v", res.Cell, res.ObserverError)
		}
	}
	return rr
}

// run returns the stored run of the i-th cell, with its video.
func (rr *runResult) run(t *testing.T, i int) *recordings.Run {
	t.Helper()
	id := rr.rec.RunID(rr.results[i].Cell)
	run, err := rr.store.Run(id)
	if err != nil {
		t.Fatalf("run of %s: %v", rr.results[i].Cell, err)
	}
	return run
}

// videoPath returns the file of the run's video, failing when it has none.
func (rr *runResult) videoPath(t *testing.T, run *recordings.Run) string {
	t.Helper()
	if run.Video == nil || run.Video.SHA256 == "" {
		t.Fatalf("run %d (%s) has no video", run.ID, run.Cell())
	}
	p := rr.store.ArtifactPath(run.Video.SHA256)
	if _, err := os.Stat(p); err != nil {
		t.Fatalf("video file of run %d: %v", run.ID, err)
	}
	return p
}

// probe is the part of ffprobe's JSON the tests read.
type probe struct {
	Streams []struct {
		Index        int               `json:"index"`
		CodecName    string            `json:"codec_name"`
		CodecType    string            `json:"codec_type"`
		Width        int               `json:"width"`
		Height       int               `json:"height"`
		PixFmt       string            `json:"pix_fmt"`
		RFrameRate   string            `json:"r_frame_rate"`
		AvgFrameRate string            `json:"avg_frame_rate"`
		NbFrames     string            `json:"nb_frames"`
		Tags         map[string]string `json:"tags"`
	} `json:"streams"`
	Chapters []struct {
		StartTime string            `json:"start_time"`
		EndTime   string            `json:"end_time"`
		Tags      map[string]string `json:"tags"`
	} `json:"chapters"`
	Format struct {
		Duration string `json:"duration"`
		Size     string `json:"size"`
	} `json:"format"`
}

func ffprobe(t *testing.T, path string) *probe {
	t.Helper()
	out, err := exec.Command("ffprobe", "-v", "error", "-print_format", "json", "-show_format", "-show_streams", "-show_chapters", path).Output()
	if err != nil {
		t.Fatalf("ffprobe %s: %v", path, err)
	}
	var p probe
	if err := json.Unmarshal(out, &p); err != nil {
		t.Fatalf("ffprobe output: %v", err)
	}
	return &p
}

func (p *probe) duration(t *testing.T) float64 {
	t.Helper()
	d, err := strconv.ParseFloat(p.Format.Duration, 64)
	if err != nil {
		t.Fatalf("ffprobe duration %q: %v", p.Format.Duration, err)
	}
	return d
}

func (p *probe) stream(t *testing.T, typ string) int {
	t.Helper()
	for i, s := range p.Streams {
		if s.CodecType == typ {
			return i
		}
	}
	t.Fatalf("no %s stream in %+v", typ, p.Streams)
	return -1
}

// frameAtTime decodes the video's frame at sec seconds.
func frameAtTime(t *testing.T, path string, sec float64) image.Image {
	t.Helper()
	out, err := exec.Command("ffmpeg", "-v", "error", "-ss", strconv.FormatFloat(sec, 'f', 3, 64), "-i", path,
		"-frames:v", "1", "-f", "image2pipe", "-c:v", "png", "-").Output()
	if err != nil {
		t.Fatalf("decode frame at %.3fs of %s: %v", sec, path, err)
	}
	img, err := png.Decode(bytes.NewReader(out))
	if err != nil {
		t.Fatalf("decode frame at %.3fs: %v", sec, err)
	}
	return img
}

// average is the mean colour of the rectangle (fractions of the image).
func average(img image.Image, x0, y0, x1, y1 float64) color.RGBA {
	b := img.Bounds()
	var r, g, bl, n float64
	for y := b.Min.Y + int(y0*float64(b.Dy())); y < b.Min.Y+int(y1*float64(b.Dy())); y++ {
		for x := b.Min.X + int(x0*float64(b.Dx())); x < b.Min.X+int(x1*float64(b.Dx())); x++ {
			cr, cg, cb, _ := img.At(x, y).RGBA()
			r, g, bl, n = r+float64(cr>>8), g+float64(cg>>8), bl+float64(cb>>8), n+1
		}
	}
	return color.RGBA{uint8(r / n), uint8(g / n), uint8(bl / n), 255}
}

// near reports whether two colours are within tol on every channel.
func near(a, b color.RGBA, tol int) bool {
	d := func(x, y uint8) int { return int(math.Abs(float64(x) - float64(y))) }
	return d(a.R, b.R) <= tol && d(a.G, b.G) <= tol && d(a.B, b.B) <= tol
}

const thumbGrid = 24

// thumb reduces an image to a grid of mean colours, so that a video frame
// (CSS pixels) and a screenshot (device pixels) compare.
func thumb(img image.Image) []float64 {
	const g = thumbGrid
	out := make([]float64, 0, g*g*3)
	for j := range g {
		for i := range g {
			c := average(img, float64(i)/g, float64(j)/g, float64(i+1)/g, float64(j+1)/g)
			out = append(out, float64(c.R), float64(c.G), float64(c.B))
		}
	}
	return out
}

// videoFrames decodes every frame of the video's first video stream,
// shrunk to the grid of thumb.
func videoFrames(t *testing.T, path string) [][]float64 {
	t.Helper()
	out, err := exec.Command("ffmpeg", "-v", "error", "-i", path, "-map", "0:v:0", "-vf", fmt.Sprintf("scale=%d:%d:flags=area", thumbGrid, thumbGrid),
		"-f", "rawvideo", "-pix_fmt", "rgb24", "-").Output()
	if err != nil {
		t.Fatalf("decode %s: %v", path, err)
	}
	size := thumbGrid * thumbGrid * 3
	var frames [][]float64
	for len(out) >= size {
		f := make([]float64, size)
		for i := range f {
			f[i] = float64(out[i])
		}
		frames = append(frames, f)
		out = out[size:]
	}
	return frames
}

// gridAverage is the mean colour of a rectangle (fractions) of a thumb grid.
func gridAverage(f []float64, x0, y0, x1, y1 float64) color.RGBA {
	var r, g, b, n float64
	for y := int(y0 * thumbGrid); y < max(int(y1*thumbGrid), int(y0*thumbGrid)+1); y++ {
		for x := int(x0 * thumbGrid); x < max(int(x1*thumbGrid), int(x0*thumbGrid)+1); x++ {
			i := (y*thumbGrid + x) * 3
			r, g, b, n = r+f[i], g+f[i+1], b+f[i+2], n+1
		}
	}
	return color.RGBA{uint8(r / n), uint8(g / n), uint8(b / n), 255}
}

func diff(a, b []float64) float64 {
	var s float64
	for i := range a {
		s += math.Abs(a[i] - b[i])
	}
	return s / float64(len(a))
}

// within reports whether got is within frac of want.
func within(got, want, frac float64) bool { return math.Abs(got-want) <= frac*want }

// parseDuration parses seconds as ffprobe prints them.
func seconds(t *testing.T, s string) float64 {
	t.Helper()
	f, err := strconv.ParseFloat(s, 64)
	if err != nil {
		t.Fatalf("parse %q: %v", s, err)
	}
	return f
}

// framesLeft lists the capture folders left under the store.
func framesLeft(t *testing.T, store *recordings.Store) []string {
	t.Helper()
	m, err := filepath.Glob(filepath.Join(store.Dir(), FramesDir, "run-*"))
	if err != nil {
		t.Fatal(err)
	}
	return m
}

func wallTime(run *recordings.Run) float64 { return run.Duration().Seconds() }

func decodePNG(data []byte) (image.Image, error) { return png.Decode(bytes.NewReader(data)) }

// stepThumb is the thumb of step k's viewport screenshot.
func (rr *runResult) stepThumb(t *testing.T, run *recordings.Run, k int) []float64 {
	t.Helper()
	data, err := rr.store.ReadArtifact(run.Steps[k].ScreenshotSHA)
	if err != nil {
		t.Fatal(err)
	}
	img, err := decodePNG(data)
	if err != nil {
		t.Fatal(err)
	}
	return thumb(img)
}

// poster decodes the run's video poster (a JPEG).
func (rr *runResult) poster(t *testing.T, run *recordings.Run) image.Image {
	t.Helper()
	data, err := rr.store.ReadArtifact(run.Video.PosterSHA)
	if err != nil {
		t.Fatal(err)
	}
	img, err := jpeg.Decode(bytes.NewReader(data))
	if err != nil {
		t.Fatalf("poster: %v", err)
	}
	return img
}

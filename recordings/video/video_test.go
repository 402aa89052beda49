package video

import (
	"context"
	"encoding/binary"
	"fmt"
	"image/color"
	"net/http"
	"net/http/httptest"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/chromedp/chromedp"

	"journeyproof"
	"journeyproof/journeys"
	"journeyproof/recordings"
)

// loginJourney walks the sandbox's login in one language on one device:
// the service, a redirect to the iAM Smart simulator, and back.
func loginJourney(lang, device string) string {
	return fmt.Sprintf(`
id: login-%[3]s
name: Log in with iAM Smart
process: authentication
matrix: {languages: [%[1]s], devices: [%[2]s]}
steps:`, lang, device, strings.ToLower(lang+"-"+device)) + loginSteps
}

const loginSteps = `
  - name: Open the login page
    goto: /login?lang=${lang}
  - name: Choose iAM Smart
    click: "#iamsmart-login"
    trigger: true
  - name: iAM Smart asks for authorisation
    wait: {selector: "body[data-iamsmart-request]"}
  - name: Approve in the iAM Smart app
    iamsmart: approve
  - name: Logged in
    expect: {visible: "#welcome", url: /account}
`

// A sandbox journey's video lasts as long as the run, has one chapter per
// step named after it, captions (as a file and as a track), a poster of the
// trigger screen, and shows the service, the simulator and the service
// again in order.
func TestSandboxJourneyVideo(t *testing.T) {
	shared.Need(t)
	rr := runJourneys(t, Options{}, true, nil, nil, loginJourney("en", "desktop"), loginJourney("zh-HK", "mobile"))
	rr.eachPassedVideo(t, func(t *testing.T, res journeys.CellResult, run *recordings.Run, path string) {
		v := run.Video
		p := ffprobe(t, path)
		d := res.Cell.Device

		vs := p.Streams[p.stream(t, "video")]
		if vs.CodecName != "h264" || vs.PixFmt != "yuv420p" {
			t.Errorf("video stream is %s %s, want h264 yuv420p", vs.CodecName, vs.PixFmt)
		}
		if int64(vs.Width) != d.Width || int64(vs.Height) != d.Height || vs.Width%2 != 0 || vs.Height%2 != 0 {
			t.Errorf("video is %dx%d, want the device's CSS size %dx%d (even)", vs.Width, vs.Height, d.Width, d.Height)
		}
		if vs.RFrameRate != "10/1" || vs.AvgFrameRate != "10/1" {
			t.Errorf("frame rate %s (avg %s), want a constant 10/1", vs.RFrameRate, vs.AvgFrameRate)
		}
		dur := p.duration(t)
		if wall := wallTime(run); !within(dur, wall, 0.10) {
			t.Errorf("video lasts %.2fs, the run %.2fs: more than 10%% apart", dur, wall)
		}
		if !within(float64(v.DurationMS)/1000, dur, 0.02) || v.FPS != 10 || v.Width != vs.Width || v.Height != vs.Height {
			t.Errorf("video row %+v does not match the file (%.2fs %dx%d)", *v, dur, vs.Width, vs.Height)
		}
		if fmt.Sprint(v.Frames) != vs.NbFrames {
			t.Errorf("video row says %d frames, the file has %s", v.Frames, vs.NbFrames)
		}
		if fi, err := os.Stat(path); err != nil || fi.Size() != v.Size {
			t.Errorf("video row says %d bytes, the file has %v (%v)", v.Size, fi.Size(), err)
		}
		if !moovFirst(t, path) {
			t.Errorf("the MP4's index (moov) is not before its data (no +faststart)")
		}

		// Chapters: one per step, named after it.
		if len(p.Chapters) != len(run.Steps) || len(v.Chapters) != len(run.Steps) {
			t.Fatalf("%d chapters in the file, %d in the row, %d steps", len(p.Chapters), len(v.Chapters), len(run.Steps))
		}
		for k, c := range p.Chapters {
			if c.Tags["title"] != run.Steps[k].Name || v.Chapters[k].Title != run.Steps[k].Name {
				t.Errorf("chapter %d is %q (row %q), want the step's name %q", k, c.Tags["title"], v.Chapters[k].Title, run.Steps[k].Name)
			}
		}

		// Captions: a WebVTT file and the same cues in the MP4.
		a, err := rr.store.Artifact(v.CaptionsSHA)
		if err != nil || a.ContentType != "text/vtt" {
			t.Fatalf("captions artifact %v %v", a, err)
		}
		data, _ := rr.store.ReadArtifact(v.CaptionsSHA)
		cues, err := parseVTT(string(data))
		if err != nil {
			t.Fatalf("captions do not parse as WebVTT: %v\n%s", err, data)
		}
		lang, _ := journeyproof.LookupLanguage(res.Cell.Lang)
		wantLine := lang.Label + " · " + d.Name
		if len(cues) != len(run.Steps) {
			t.Fatalf("%d cues, want one per step (%d)", len(cues), len(run.Steps))
		}
		for k, c := range cues {
			if c.Lines[0] != run.Steps[k].Name || c.Lines[1] != wantLine {
				t.Errorf("cue %d says %q, want %q over %q", k, c.Lines, run.Steps[k].Name, wantLine)
			}
			if c.Start.Milliseconds() != v.Chapters[k].StartMS || c.End.Milliseconds() != v.Chapters[k].EndMS {
				t.Errorf("cue %d spans %s-%s, its chapter %d-%dms", k, c.Start, c.End, v.Chapters[k].StartMS, v.Chapters[k].EndMS)
			}
		}
		ss := p.Streams[p.stream(t, "subtitle")]
		if ss.CodecName != "mov_text" {
			t.Errorf("subtitle track is %s, want mov_text", ss.CodecName)
		}
		embedded, err := exec.Command("ffmpeg", "-v", "error", "-i", path, "-map", "0:s:0", "-f", "webvtt", "-").Output()
		if err != nil {
			t.Fatalf("read the subtitle track: %v", err)
		}
		ecues, err := parseVTT(string(embedded))
		if err != nil || len(ecues) != len(cues) {
			t.Fatalf("subtitle track: %d cues (%v), want %d\n%s", len(ecues), err, len(cues), embedded)
		}
		for k := range ecues {
			if strings.Join(ecues[k].Lines, "\n") != strings.Join(cues[k].Lines, "\n") {
				t.Errorf("subtitle track cue %d says %q, the captions %q", k, ecues[k].Lines, cues[k].Lines)
			}
		}

		// The poster is the trigger's screen (the login page before the
		// click), at the device's CSS size.
		pa, err := rr.store.Artifact(v.PosterSHA)
		if err != nil || pa.ContentType != "image/jpeg" {
			t.Fatalf("poster artifact %v %v", pa, err)
		}
		poster := rr.poster(t, run)
		if int64(poster.Bounds().Dx()) != d.Width || int64(poster.Bounds().Dy()) != d.Height {
			t.Errorf("poster is %v, want %dx%d", poster.Bounds().Size(), d.Width, d.Height)
		}
		shots := map[string][]float64{}
		for _, k := range []int{0, 1, 2, 4} {
			shots[run.Steps[k].Name] = rr.stepThumb(t, run, k)
		}
		login, sim, account := shots[run.Steps[0].Name], shots[run.Steps[2].Name], shots[run.Steps[4].Name]
		// Made from the screenshot itself: only scaling and JPEG apart.
		if pd := diff(thumb(poster), shots[run.Steps[1].Name]); pd > 4 {
			t.Errorf("poster differs from the trigger's screenshot by %.1f", pd)
		}

		// Frames of the service, the simulator and the service again, in
		// order: every frame of the video is told apart by the screenshot
		// it looks most like, and the screens come one after another. The
		// blank tab before the first page is told apart too (it is nearer
		// the account page, mostly white, than the others), and may only
		// come first.
		blank := make([]float64, len(login))
		for k := range blank {
			blank[k] = 255
		}
		refs := [][]float64{login, sim, account, blank}
		names := []string{"login page", "simulator", "account page", "blank tab"}
		var seq []int
		for _, f := range videoFrames(t, path) {
			best, bestD := -1, 12.0
			for k, r := range refs {
				if dd := diff(f, r); dd < bestD {
					best, bestD = k, dd
				}
			}
			if best >= 0 && (len(seq) == 0 || seq[len(seq)-1] != best) {
				seq = append(seq, best)
			}
		}
		// Before the login page has painted, a frame may show the blank
		// tab or a page half drawn (white with the header: nearest the
		// account page, which cannot really come before the login).
		for len(seq) > 0 && (seq[0] == 3 || seq[0] == 2) {
			seq = seq[1:]
		}
		if fmt.Sprint(seq) != "[0 1 2]" {
			var got []string
			for _, k := range seq {
				got = append(got, names[k])
			}
			t.Errorf("the video shows %q, want the login page, the simulator, the account page in that order", got)
		}
	})
	if left := framesLeft(t, rr.store); len(left) != 0 {
		t.Errorf("frames left after the encode: %v", left)
	}
	if rr.notice.Len() != 0 {
		t.Errorf("unexpected notice: %s", rr.notice)
	}
}

// moovFirst reports whether the MP4's moov box comes before its mdat box.
func moovFirst(t *testing.T, path string) bool {
	t.Helper()
	f, err := os.Open(path)
	if err != nil {
		t.Fatal(err)
	}
	defer f.Close()
	var off int64
	for {
		var hdr [8]byte
		if _, err := f.ReadAt(hdr[:], off); err != nil {
			return false
		}
		size := int64(binary.BigEndian.Uint32(hdr[:4]))
		switch string(hdr[4:]) {
		case "moov":
			return true
		case "mdat":
			return false
		}
		if size == 1 {
			var ext [8]byte
			f.ReadAt(ext[:], off+8)
			size = int64(binary.BigEndian.Uint64(ext[:]))
		}
		if size < 8 {
			return false
		}
		off += size
	}
}

// A wait is real time in the video, whether the page keeps changing or
// not: the last frame lasts until the next one.
func TestWaitIsRealTime(t *testing.T) {
	shared.Need(t)
	tests := []struct {
		name, page string
	}{
		{"ticking page", "/t/tick"},
		{"still page", "/t/static"},
	}
	var sources []string
	for i, tt := range tests {
		sources = append(sources, fmt.Sprintf(`
id: wait-%d
name: %s
process: video-test
matrix: {languages: [en], devices: [desktop]}
steps:
  - name: Open the page
    goto: %s
  - name: Wait five seconds
    wait: 5s
  - name: Done
    snapshot: true
`, i, tt.name, tt.page))
	}
	rr := runJourneys(t, Options{}, false, nil, nil, sources...)
	if rr.waitErr != nil {
		t.Fatal(rr.waitErr)
	}
	for i, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			run := rr.run(t, i)
			path := rr.videoPath(t, run)
			p := ffprobe(t, path)
			dur := p.duration(t)
			if dur < 5 {
				t.Errorf("a 5-second wait gave %.2fs of video", dur)
			}
			if !within(dur, wallTime(run), 0.10) {
				t.Errorf("video %.2fs, run %.2fs", dur, wallTime(run))
			}
			wait := p.Chapters[1]
			if span := seconds(t, wait.EndTime) - seconds(t, wait.StartTime); span < 4.9 {
				t.Errorf("the wait's chapter lasts %.2fs, want 5s", span)
			}
			a := thumb(frameAtTime(t, path, seconds(t, wait.StartTime)+1))
			b := thumb(frameAtTime(t, path, seconds(t, wait.StartTime)+3.5))
			moved := diff(a, b) > 0.5
			if want := tt.page == "/t/tick"; moved != want {
				t.Errorf("frames 2.5s apart in the wait differ: %v, want %v (%.2f)", moved, want, diff(a, b))
			}
		})
	}
}

// A failing journey's video ends at the failure, and its last chapter is
// the failing step, marked failed.
func TestFailingJourneyVideo(t *testing.T) {
	shared.Need(t)
	rr := runJourneys(t, Options{}, false, nil, nil, `
id: fails
name: Fails at the second step
process: video-test
matrix: {languages: [en], devices: [mobile]}
steps:
  - name: Open a red page
    goto: /t/page?c=red
  - name: Click what is not there
    click: "#missing"
    timeout: 2s
  - name: Never runs
    goto: /t/page?c=blue
`)
	if rr.waitErr != nil {
		t.Fatal(rr.waitErr)
	}
	res := rr.results[0]
	if res.Status != journeyproof.StatusFailed {
		t.Fatalf("run %s, want failed", res.Status)
	}
	run := rr.run(t, 0)
	path := rr.videoPath(t, run)
	p := ffprobe(t, path)
	dur := p.duration(t)
	if !within(dur, wallTime(run), 0.10) {
		t.Errorf("video %.2fs, run %.2fs", dur, wallTime(run))
	}
	if len(p.Chapters) != 2 || len(run.Video.Chapters) != 2 {
		t.Fatalf("%d chapters, want 2 (the steps that ran)", len(p.Chapters))
	}
	last := run.Video.Chapters[1]
	if !last.Failed || last.Title != "Click what is not there — failed" || p.Chapters[1].Tags["title"] != last.Title {
		t.Errorf("last chapter %+v (file %q), want the failing step marked failed", last, p.Chapters[1].Tags["title"])
	}
	if end := seconds(t, p.Chapters[1].EndTime); !within(end, dur, 0.01) {
		t.Errorf("last chapter ends at %.2fs, the video at %.2fs", end, dur)
	}
	if span := seconds(t, p.Chapters[1].EndTime) - seconds(t, p.Chapters[1].StartTime); span < 1.9 {
		t.Errorf("the failing step's chapter lasts %.2fs; the step waited 2s", span)
	}
	data, _ := rr.store.ReadArtifact(run.Video.CaptionsSHA)
	cues, err := parseVTT(string(data))
	if err != nil || len(cues) != 2 {
		t.Fatalf("captions: %d cues, %v", len(cues), err)
	}
	if c := cues[1]; len(c.Lines) < 3 || !strings.Contains(c.Lines[0], "failed") || !strings.Contains(c.Lines[2], "#missing") {
		t.Errorf("last cue %q should say the step failed and why", c.Lines)
	}
	// The last frame is the red page the step failed on.
	if c := average(frameAtTime(t, path, dur-0.2), 0.5, 0.6, 1, 1); !near(c, color.RGBA{255, 0, 0, 255}, 40) {
		t.Errorf("last frame shows %v, want the red page", c)
	}
}

// colourJourney goes from the service to another site and back (a new
// renderer process each way), then opens a tab that closes itself.
func colourJourney() string {
	return fmt.Sprintf(`
id: colours
name: Cross-site and a new tab
process: video-test
matrix: {languages: [en], devices: [desktop, mobile]}
steps:
  - name: Red page
    goto: %[1]s/t/page?c=red
  - name: Green page on another site
    goto: %[2]s/t/page?c=green&next=%[1]s/t/page%%3Fc%%3Dblue%%26close%%3D2500
  - name: Look at it
    wait: 500ms
  - name: Back to the service
    click: "#next"
  - name: Look at the service
    wait: 1500ms
  - name: Open a new tab
    click: "#pop"
  - name: Wait while the tab is open, and after
    wait: 4500ms
`, baseURL, otherURL)
}

// Navigations to another site and back, and a tab the page opens, are all
// in the video, in order.
func TestNavigationsAndNewTab(t *testing.T) {
	shared.Need(t)
	rr := runJourneys(t, Options{}, false, nil, nil, colourJourney())
	red, green, blue, yellow := color.RGBA{255, 0, 0, 255}, color.RGBA{0, 128, 0, 255}, color.RGBA{0, 0, 255, 255}, color.RGBA{255, 255, 0, 255}
	t.Logf("from %s to %s and back", baseURL, otherURL)
	rr.eachPassedVideo(t, func(t *testing.T, res journeys.CellResult, run *recordings.Run, path string) {
		ch := run.Video.Chapters
		colours := []struct {
			name string
			c    color.RGBA
		}{{"red", red}, {"green", green}, {"blue", blue}, {"yellow", yellow}}
		var seq []string
		popupAt := -1.0
		for k, f := range videoFrames(t, path) {
			// The middle of the lower half, away from the text; and the
			// left edge: a new tab fills the device's screen too.
			mid, edge := gridAverage(f, 0.3, 0.6, 0.7, 0.9), gridAverage(f, 0, 0.6, 0.05, 0.9)
			name := ""
			for _, c := range colours {
				if near(mid, c.c, 40) {
					name = c.name
				}
			}
			if name == "" {
				continue
			}
			if name == "yellow" {
				if popupAt < 0 {
					popupAt = float64(k) / 10
				}
				if !near(edge, yellow, 40) {
					t.Errorf("frame %d: the new tab does not fill the screen (left edge %v)", k, edge)
				}
			}
			if len(seq) == 0 || seq[len(seq)-1] != name {
				seq = append(seq, name)
			}
		}
		if want := "[red green blue yellow blue]"; fmt.Sprint(seq) != want {
			t.Errorf("the video shows %v, want %s", seq, want)
		}
		if opened := float64(ch[len(ch)-2].StartMS) / 1000; popupAt < opened {
			t.Errorf("the new tab shows at %.1fs, before the step that opens it (%.1fs)", popupAt, opened)
		}
	})
}

// The MP4 plays in Chromium's <video> element: it loads with no error, has
// the run's length and size, shows the right frames when seeked, and its
// captions load as a WebVTT track with one cue per step.
func TestPlaysInChromium(t *testing.T) {
	shared.Need(t)
	rr := runJourneys(t, Options{}, false, nil, []string{"desktop"}, fmt.Sprintf(`
id: play
name: Red then blue
process: video-test
matrix: {languages: [en], devices: [desktop]}
steps:
  - name: Red page
    goto: %[1]s/t/page?c=red
  - name: Stay on red
    wait: 1500ms
  - name: Blue page
    goto: %[1]s/t/page?c=blue
  - name: Stay on blue
    wait: 1500ms
`, baseURL))
	if rr.waitErr != nil {
		t.Fatal(rr.waitErr)
	}
	run := rr.run(t, 0)
	path := rr.videoPath(t, run)
	captions := rr.store.ArtifactPath(run.Video.CaptionsSHA)
	mux := http.NewServeMux()
	mux.HandleFunc("/video.mp4", func(w http.ResponseWriter, r *http.Request) {
		w.Header().Set("Content-Type", "video/mp4")
		http.ServeFile(w, r, path)
	})
	mux.HandleFunc("/captions.vtt", func(w http.ResponseWriter, r *http.Request) {
		w.Header().Set("Content-Type", "text/vtt")
		http.ServeFile(w, r, captions)
	})
	mux.HandleFunc("/", func(w http.ResponseWriter, r *http.Request) {
		fmt.Fprint(w, `<!doctype html><html><body><video id="v" src="/video.mp4" muted preload="auto" crossorigin="anonymous">
<track kind="captions" src="/captions.vtt" srclang="en" default></video></body></html>`)
	})
	srv := httptest.NewServer(mux)
	defer srv.Close()

	ctx, cancel := chromedp.NewContext(browser.Context(), chromedp.WithNewBrowserContext())
	defer cancel()
	ctx, cancel2 := context.WithTimeout(ctx, 30*time.Second)
	defer cancel2()
	if err := chromedp.Do(ctx, chromedp.Navigate(srv.URL)); err != nil {
		t.Fatal(err)
	}
	type state struct {
		Error       string  `json:"error"`
		ReadyState  int     `json:"readyState"`
		Duration    float64 `json:"duration"`
		Width       int     `json:"width"`
		Height      int     `json:"height"`
		Cues        int     `json:"cues"`
		FirstCue    string  `json:"firstCue"`
		Played      bool    `json:"played"`
		Start, End  []int   `json:"-"`
		StartColour []int   `json:"startColour"`
		EndColour   []int   `json:"endColour"`
	}
	redAt := float64(run.Video.Chapters[1].StartMS+run.Video.Chapters[1].EndMS) / 2000
	st, err := chromedp.Run(ctx, chromedp.Evaluate[state](strings.Replace(`(async () => {
  const v = document.getElementById("v");
  const fail = () => ({error: v.error ? "MediaError " + v.error.code + ": " + v.error.message : "no error"});
  if (v.readyState < 2) await new Promise((ok, ko) => { v.addEventListener("loadeddata", ok, {once: true}); v.addEventListener("error", ko, {once: true}); }).catch(() => null);
  if (v.error) return fail();
  const track = v.textTracks[0];
  track.mode = "hidden";
  for (let i = 0; i < 50 && (!track.cues || track.cues.length === 0); i++) await new Promise(r => setTimeout(r, 100));
  const colour = async (t) => {
    v.currentTime = t;
    await new Promise(r => v.addEventListener("seeked", r, {once: true}));
    const c = document.createElement("canvas");
    c.width = v.videoWidth; c.height = v.videoHeight;
    const g = c.getContext("2d");
    g.drawImage(v, 0, 0);
    return Array.from(g.getImageData(Math.floor(c.width / 2), Math.floor(c.height * 0.8), 1, 1).data.slice(0, 3));
  };
  const startColour = await colour(RED_AT);
  const endColour = await colour(v.duration - 0.3);
  v.currentTime = 0;
  await v.play();
  const t0 = v.currentTime;
  await new Promise(r => setTimeout(r, 700));
  const played = v.currentTime > t0 + 0.3;
  v.pause();
  return {error: v.error ? "error" : "", readyState: v.readyState, duration: v.duration, width: v.videoWidth, height: v.videoHeight,
    cues: track.cues ? track.cues.length : -1, firstCue: track.cues && track.cues.length ? track.cues[0].text : "",
    played, startColour, endColour};
})()`, "RED_AT", fmt.Sprint(redAt), 1), chromedp.EvalAwaitPromise))
	if err != nil {
		t.Fatal(err)
	}
	if st.Error != "" {
		t.Fatalf("Chromium cannot play the video: %s", st.Error)
	}
	if st.ReadyState < 2 || st.Width != 1366 || st.Height != 768 || !within(st.Duration, float64(run.Video.DurationMS)/1000, 0.02) {
		t.Errorf("Chromium sees readyState %d, %dx%d, %.2fs; want >= 2, 1366x768, %.2fs", st.ReadyState, st.Width, st.Height, st.Duration, float64(run.Video.DurationMS)/1000)
	}
	if !st.Played {
		t.Errorf("the video does not advance when played")
	}
	if st.Cues != len(run.Steps) || !strings.HasPrefix(st.FirstCue, "Red page\n") {
		t.Errorf("Chromium reads %d cues (first %q), want %d starting with the first step's name", st.Cues, st.FirstCue, len(run.Steps))
	}
	rgb := func(c []int) color.RGBA {
		if len(c) != 3 {
			return color.RGBA{}
		}
		return color.RGBA{uint8(c[0]), uint8(c[1]), uint8(c[2]), 255}
	}
	if c := rgb(st.StartColour); !near(c, color.RGBA{255, 0, 0, 255}, 40) {
		t.Errorf("at %.2fs Chromium shows %v, want red", redAt, c)
	}
	if c := rgb(st.EndColour); !near(c, color.RGBA{0, 0, 255, 255}, 40) {
		t.Errorf("at the end Chromium shows %v, want blue", c)
	}
}

// With --video=failed-only every cell is captured, and only a failed
// cell's video is kept.
func TestFailedOnly(t *testing.T) {
	shared.Need(t)
	tests := []struct {
		name      string
		journey   string
		wantVideo bool
	}{
		{"passed", `
id: passes
name: Passes
process: video-test
matrix: {languages: [en], devices: [desktop]}
steps:
  - name: Open a page
    goto: /t/page?c=blue
  - name: Look at it
    wait: 500ms
`, false},
		{"failed", `
id: fails
name: Fails
process: video-test
matrix: {languages: [en], devices: [desktop]}
steps:
  - name: Open a page
    goto: /t/page?c=blue
  - name: Expect what is not there
    expect: {visible: "#missing"}
    timeout: 1s
`, true},
	}
	var sources []string
	for _, tt := range tests {
		sources = append(sources, tt.journey)
	}
	rr := runJourneys(t, Options{FailedOnly: true}, false, nil, nil, sources...)
	if rr.waitErr != nil {
		t.Fatal(rr.waitErr)
	}
	for i, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			run := rr.run(t, i)
			if got := run.Video != nil && run.Video.SHA256 != ""; got != tt.wantVideo {
				t.Fatalf("%s run has a video: %v, want %v", run.Status, got, tt.wantVideo)
			}
			if tt.wantVideo {
				p := ffprobe(t, rr.videoPath(t, run))
				if len(p.Chapters) != run.StepCount {
					t.Errorf("%d chapters, %d steps", len(p.Chapters), run.StepCount)
				}
			}
		})
	}
	if left := framesLeft(t, rr.store); len(left) != 0 {
		t.Errorf("frames left: %v", left)
	}
}

// Without ffmpeg the runs pass, the frames stay (with what is needed to
// encode them by hand), and one notice says so and how to install ffmpeg.
func TestWithoutFFmpeg(t *testing.T) {
	shared.Need(t)
	rr := runJourneys(t, Options{FFmpeg: filepath.Join(t.TempDir(), "no-ffmpeg-here")}, false, nil, nil, `
id: no-ffmpeg
name: No ffmpeg
process: video-test
matrix: {languages: [en], devices: [desktop, mobile]}
steps:
  - name: Open a page
    goto: /t/page?c=red
  - name: Look at it
    wait: 500ms
`)
	if rr.waitErr != nil {
		t.Fatalf("a missing ffmpeg is not an error of the run: %v", rr.waitErr)
	}
	if rr.src.FFmpegFound() {
		t.Fatal("the Source found an ffmpeg that is not there")
	}
	for i, res := range rr.results {
		if res.Status != journeyproof.StatusPassed {
			t.Errorf("%s: %s %s", res.Cell, res.Status, res.Error)
		}
		if run := rr.run(t, i); run.Video != nil {
			t.Errorf("%s has a video row without ffmpeg", res.Cell)
		}
	}
	notice := rr.notice.String()
	if strings.Count(notice, "\n") != 1 || strings.Count(notice, "video skipped") != 1 {
		t.Errorf("want exactly one notice line, got %q", notice)
	}
	framesDir, _ := filepath.Abs(filepath.Join(rr.store.Dir(), FramesDir))
	for _, want := range []string{"ffmpeg is not installed", "apt-get install ffmpeg", "scripts/setup", framesDir} {
		if !strings.Contains(notice, want) {
			t.Errorf("notice %q does not say %q", notice, want)
		}
	}
	left := framesLeft(t, rr.store)
	if len(left) != 2 {
		t.Fatalf("kept frame folders %v, want one per run", left)
	}
	// What is kept encodes by hand with the ffmpeg that set-up installs.
	dir := left[0]
	jpgs, _ := filepath.Glob(filepath.Join(dir, "f*.jpg"))
	if len(jpgs) == 0 {
		t.Fatalf("no frame kept in %s", dir)
	}
	out := filepath.Join(t.TempDir(), "by-hand.mp4")
	cmd := exec.Command("ffmpeg", "-v", "error", "-f", "concat", "-safe", "0", "-i", concatFile, "-c:v", "libx264", "-pix_fmt", "yuv420p", "-vf", "pad=ceil(iw/2)*2:ceil(ih/2)*2", out)
	cmd.Dir = dir
	if msg, err := cmd.CombinedOutput(); err != nil {
		t.Fatalf("encode the kept frames by hand: %v %s", err, msg)
	}
	if d := ffprobe(t, out).duration(t); d < 1 {
		t.Errorf("the kept frames make a %.2fs video", d)
	}
}

// Chromium's screencast drops the first frame after the screen changes
// size, and frames while too many are unacknowledged. A full-page
// screenshot resizes the page and back: the frame of the restored page
// could be lost, and the video went on showing what was on screen before
// until the page changed again (a CI run's poster showed the login page's
// bare background). With every acknowledgement held back 400 ms, as on a
// loaded machine, each page is in the video while its step waits after its
// screenshots, and the poster is the trigger's screen.
func TestVideoKeepsUpWithFullPageScreenshots(t *testing.T) {
	shared.Need(t)
	rr := runJourneys(t, Options{ackDelay: 400 * time.Millisecond}, true, nil, nil, `
id: tall
name: Tall pages
process: video-test
matrix: {languages: [zh-HK], devices: [desktop, mobile]}
steps:
  - name: Red page
    goto: /t/page?c=red
  - name: Login page
    goto: /login?lang=${lang}
    trigger: true
  - name: Look at the login page
    wait: 1s
  - name: Tall green page
    goto: /t/page?c=green&h=3000
  - name: Look at the green page
    wait: 1s
  - name: Form page
    goto: /form?lang=${lang}
  - name: Look at the form
    wait: 1s
  - name: Tall blue page
    goto: /t/page?c=blue&h=3000
  - name: Look at the blue page
    wait: 1s
`)
	rr.eachPassedVideo(t, func(t *testing.T, res journeys.CellResult, run *recordings.Run, path string) {
		for k := 2; k < len(run.Steps); k += 2 {
			ch := run.Video.Chapters[k]
			// Half a second into the wait: the screenshots of the page
			// and a refresh of the screencast are over.
			at := float64(ch.StartMS)/1000 + 0.5
			if d := diff(thumb(frameAtTime(t, path, at)), rr.stepThumb(t, run, k-1)); d > 12 {
				t.Errorf("%.1fs into the video (%q) differs from the page's screenshot by %.1f", at, ch.Title, d)
			}
		}
		if d := diff(thumb(rr.poster(t, run)), rr.stepThumb(t, run, 1)); d > 4 {
			t.Errorf("poster differs from the trigger's screenshot by %.1f", d)
		}
	})
}

// While the runner captures a step's page, the video's screencast is held:
// without that, each capture (two viewport captures and a full-page one on
// a tall page) made Chromium draw and encode video frames of the same
// picture. The same journey, with and without the hold: fewer frames come
// with it, and each page is still in the video while its step waits.
func TestHeldFramesWhileCapturing(t *testing.T) {
	shared.Need(t)
	src := `
id: held
name: Held frames
process: video-test
matrix: {languages: [en], devices: [mobile]}
steps:
  - name: Tall green page
    goto: /t/page?c=green&h=3000
  - name: Look at the green page
    wait: 1s
  - name: Tall blue page
    goto: /t/page?c=blue&h=3000
  - name: Look at the blue page
    wait: 1s
  - name: Tall red page
    goto: /t/page?c=red&h=3000
  - name: Look at the red page
    wait: 1s
`
	received := map[bool]int{}
	for _, hold := range []bool{true, false} {
		rr := runJourneys(t, Options{noHold: !hold}, true, nil, nil, src)
		if rr.waitErr != nil {
			t.Fatal(rr.waitErr)
		}
		res := rr.results[0]
		if res.Status != journeyproof.StatusPassed {
			t.Fatalf("hold %v: run %s: %s", hold, res.Status, res.Error)
		}
		received[hold] = rr.src.encoded.received
		if !hold {
			continue
		}
		run := rr.run(t, 0)
		path := rr.videoPath(t, run)
		for k := 1; k < len(run.Steps); k += 2 {
			at := float64(run.Video.Chapters[k].StartMS)/1000 + 0.5
			if d := diff(thumb(frameAtTime(t, path, at)), rr.stepThumb(t, run, k-1)); d > 12 {
				t.Errorf("%.1fs into the video (%q) differs from the page's screenshot by %.1f", at, run.Video.Chapters[k].Title, d)
			}
		}
	}
	t.Logf("screencast frames received: %d with the hold, %d without", received[true], received[false])
	if received[true] >= received[false] {
		t.Errorf("%d screencast frames with the hold, %d without: holding them saved none", received[true], received[false])
	}
}

// eachPassedVideo checks each cell's run in a subtest: check gets the run,
// which passed and has a video, and the video's path.
func (rr *runResult) eachPassedVideo(t *testing.T, check func(t *testing.T, res journeys.CellResult, run *recordings.Run, path string)) {
	t.Helper()
	if rr.waitErr != nil {
		t.Fatal(rr.waitErr)
	}
	for i, res := range rr.results {
		t.Run(res.Cell.String(), func(t *testing.T) {
			if res.Status != journeyproof.StatusPassed {
				t.Fatalf("run %s: %s", res.Status, res.Error)
			}
			run := rr.run(t, i)
			check(t, res, run, rr.videoPath(t, run))
		})
	}
}

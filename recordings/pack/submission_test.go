package pack

import (
	"bytes"
	"context"
	"image"
	"image/png"
	"os"
	"os/exec"
	"path/filepath"
	"regexp"
	"strconv"
	"strings"
	"testing"
	"time"

	"journeyproof/internal/ziptest"
	"journeyproof/recordings"
)

// copyRun stores a copy of a real run of the fixture under another release
// and branch, with every step's pointer at the viewport's centre and the
// trigger step's phone side set to a real screenshot. Part A of issue 12
// (branches and the phone side) fills Branch, PhoneSHA and PointX/PointY
// in real runs; until then these copies of real sandbox runs stand in.
func copyRun(t *testing.T, id uint, release, branch string, phone string) *recordings.Run {
	t.Helper()
	src, err := fx.store.Run(id)
	if err != nil {
		t.Fatal(err)
	}
	r := *src
	r.ID, r.Release, r.Branch, r.Video = 0, release, branch, nil
	r.Steps = make([]recordings.Step, len(src.Steps))
	for i, s := range src.Steps {
		s.ID, s.RunID = 0, 0
		cx, cy := float64(src.Width)/2, float64(src.Height)/2
		s.PointX, s.PointY = &cx, &cy
		if s.Trigger {
			s.PhoneSHA = phone
		}
		r.Steps[i] = s
	}
	r.Findings = make([]recordings.FindingRow, len(src.Findings))
	for i, f := range src.Findings {
		f.ID, f.RunID, f.StepID = 0, 0, 0
		r.Findings[i] = f
	}
	if err := fx.store.DB.Create(&r).Error; err != nil {
		t.Fatal(err)
	}
	return &r
}

// TestSubmission exports a release with a main path and a deny branch of
// one cell, a process the service expects but the release did not run,
// and the production origin: the wireframe has a journey map with the
// branch, shows production URLs with no test host or secret, and no test
// words; the submission videos start with a title card, hold each step,
// show the click marker and the caption; the pack says what is missing.
func TestSubmission(t *testing.T) {
	shared.Need(t)
	runs := releaseRuns(t)
	var base *recordings.Run
	for _, r := range runs {
		if r.JourneyID == "login" && r.Lang == "en" && r.Device == "desktop" {
			base = r
		}
	}
	if base == nil {
		t.Fatal("no login/en/desktop run in the fixture")
	}
	phone := base.Steps[len(base.Steps)-1].ScreenshotSHA
	const release = "submission"
	main := copyRun(t, base.ID, release, "", phone)
	deny := copyRun(t, base.ID, release, "deny", phone)
	// The deny branch leaves the main path at its last step.
	last := &deny.Steps[len(deny.Steps)-1]
	if err := fx.store.DB.Model(last).Updates(map[string]any{"name": "Login cancelled", "outcome": "denied"}).Error; err != nil {
		t.Fatal(err)
	}
	login := &recordings.Journey{ID: "login", Name: "Log in with iAM Smart", Process: "authentication", Languages: []string{"en"}, Devices: []string{"desktop"}}
	sign := &recordings.Journey{ID: "sign", Name: "Sign a form", Process: "signing", Languages: []string{"en", "zh-HK"}, Devices: []string{"desktop", "mobile"}}
	dir := t.TempDir()
	out := filepath.Join(dir, "pack.zip")
	hold := 1500 * time.Millisecond
	o := Options{Store: fx.store, Browser: fx.browser, Release: release, Version: testVersion, Hold: hold,
		Expected: []*recordings.Journey{login, sign}, ServiceName: "Example e-Service", Origin: "https://eservice.example.gov.hk"}
	ctx, cancel := context.WithTimeout(context.Background(), 5*time.Minute)
	defer cancel()
	sum, err := Export(ctx, o, out)
	if err != nil {
		t.Fatal(err)
	}

	// Completeness: the signing process was not run; login is complete.
	if sum.Completeness.Complete {
		t.Error("completeness says complete with a whole process missing")
	}
	lines := strings.Join(sum.Completeness.Lines(), "\n")
	if !strings.Contains(lines, "Digital signing (sign): not run in this release; all 4 cells missing") || !strings.Contains(lines, "sign/zh-HK/mobile") {
		t.Errorf("completeness does not name the missing process and cells:\n%s", lines)
	}
	// The fixture's sandbox has the wrong-label defect: login's cells ran
	// but keep their error findings.
	if !strings.Contains(lines, "Authentication (login): 0 of 2 cells complete; 2 with unwaived error findings: login/en/desktop, login/en/desktop/deny") {
		t.Errorf("completeness does not name login's cells with error findings:\n%s", lines)
	}
	if len(sum.Missing) != 4 {
		t.Errorf("missing %v, want the 4 sign cells", sum.Missing)
	}

	es := files(ziptest.Read(t, out))
	pages := pdfPages(t, es["wireframes/authentication.pdf"])
	all := strings.Join(pages, "\n")
	if !strings.Contains(squeeze(pages[1]), squeeze("Journey map: Log in with iAM Smart")) || !strings.Contains(squeeze(pages[1]), squeeze("denies the request")) {
		t.Errorf("page 2 is not the journey map with the deny branch:\n%s", pages[1])
	}
	if !strings.Contains(all, "https://eservice.example.gov.hk/") {
		t.Error("no URL on the production origin")
	}
	for _, bad := range []string{"127.0.0.1", "passed in", "localhost:"} {
		if strings.Contains(all, bad) {
			t.Errorf("wireframe has %q", bad)
		}
	}
	if m := regexp.MustCompile(`(state|code)=[^\[&\s]`).FindString(squeeze(all)); m != "" {
		t.Errorf("wireframe shows a secret: %q", m)
	}
	for _, s := range main.Steps {
		if s.Request == "" {
			continue
		}
		st := regexp.MustCompile(`state=([^&]+)`).FindStringSubmatch(s.Request)
		if st != nil && strings.Contains(squeeze(all), st[1]) {
			t.Errorf("wireframe shows the state %s", st[1])
		}
	}
	// Steps with the same screenshot are one frame.
	if main.Steps[0].ScreenshotSHA == main.Steps[1].ScreenshotSHA && main.Steps[0].PhoneSHA == main.Steps[1].PhoneSHA && !strings.Contains(all, "Steps 1–2") {
		t.Error(`steps 1 and 2 have one screenshot but no frame says "Steps 1–2"`)
	}

	// Submission videos: the deny run's and the combined one.
	video := filepath.Join(dir, "deny.mp4")
	if err := os.WriteFile(video, es[submissionPath(deny)+".mp4"], 0o644); err != nil {
		t.Fatal(err)
	}
	if len(es[submissionPath(deny)+".vtt"]) == 0 || len(es["submission/authentication.mp4"]) == 0 {
		t.Fatal("pack has no captions of the deny video or no combined video")
	}
	dur := probeDuration(t, video)
	if want := titleHold + time.Duration(len(deny.Steps))*hold; dur < want-50*time.Millisecond {
		t.Errorf("video lasts %s, want at least %s (title card and %d steps of %s)", dur, want, len(deny.Steps), hold)
	}
	if n := strings.Count(probe(t, "-show_chapters", video), "[CHAPTER]"); n != len(deny.Steps)+1 {
		t.Errorf("%d chapters, want %d (title and every step)", n, len(deny.Steps)+1)
	}
	// The title card: the band colour fills the frame.
	card := frameAt(t, video, time.Second)
	if !near(card.At(20, 20), 0x0b, 0x4f, 0x6c) {
		t.Errorf("first second is not the title card: pixel %v", card.At(20, 20))
	}
	// A step: the click marker's ring at the centre of the screenshot and
	// the caption bar at the bottom.
	step := frameAt(t, video, titleHold+hold/2)
	// The desktop screenshot fits the 1280x600 stage by its width.
	k := 1280.0 / float64(base.Width)
	cx, cy := 640, int(300-float64(base.Height)*k/2+float64(base.Height)/2*k)
	if !pinkNear(step, cx, cy, 26) {
		t.Errorf("no click marker around (%d, %d) in step 1's frame", cx, cy)
	}
	if !near(step.At(10, 700), 0x08, 0x10, 0x16) {
		t.Errorf("no caption bar at the bottom of step 1's frame: %v", step.At(10, 700))
	}
}

func probe(t *testing.T, what, file string) string {
	t.Helper()
	out, err := exec.Command("ffprobe", "-v", "error", what, file).CombinedOutput()
	if err != nil {
		t.Fatalf("ffprobe: %v: %s", err, out)
	}
	return string(out)
}

func probeDuration(t *testing.T, file string) time.Duration {
	t.Helper()
	out, err := exec.Command("ffprobe", "-v", "error", "-show_entries", "format=duration", "-of", "default=nw=1:nk=1", file).Output()
	if err != nil {
		t.Fatal(err)
	}
	s, err := strconv.ParseFloat(strings.TrimSpace(string(out)), 64)
	if err != nil {
		t.Fatal(err)
	}
	return time.Duration(s * float64(time.Second))
}

func frameAt(t *testing.T, file string, at time.Duration) image.Image {
	t.Helper()
	out, err := exec.Command("ffmpeg", "-v", "error", "-ss", strconv.FormatFloat(at.Seconds(), 'f', 3, 64), "-i", file,
		"-frames:v", "1", "-f", "image2pipe", "-vcodec", "png", "-").Output()
	if err != nil {
		t.Fatal(err)
	}
	img, err := png.Decode(bytes.NewReader(out))
	if err != nil {
		t.Fatal(err)
	}
	return img
}

func near(c interface{ RGBA() (r, g, b, a uint32) }, r, g, b uint8) bool {
	cr, cg, cb, _ := c.RGBA()
	d := func(x uint32, y uint8) bool { v := int(x>>8) - int(y); return v > -24 && v < 24 }
	return d(cr, r) && d(cg, g) && d(cb, b)
}

// pinkNear reports whether a strong pink pixel (the click marker) lies
// within r pixels of (x, y).
func pinkNear(img image.Image, x, y, r int) bool {
	for dy := -r; dy <= r; dy++ {
		for dx := -r; dx <= r; dx++ {
			cr, cg, cb, _ := img.At(x+dx, y+dy).RGBA()
			if cr>>8 > 200 && cg>>8 < 110 && cb>>8 > 70 && cb>>8 < 170 {
				return true
			}
		}
	}
	return false
}

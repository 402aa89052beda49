package pack

import (
	"context"
	"crypto/ed25519"
	"fmt"
	"net/http/httptest"
	"os"
	"os/exec"
	"path/filepath"
	"testing"
	"time"

	"journeyproof"
	"journeyproof/internal/browsertest"
	"journeyproof/journeys"
	"journeyproof/journeys/chrome"
	"journeyproof/journeys/sandbox"
	"journeyproof/recordings"
	"journeyproof/verifier"
)

// fixture is the release every test exports: the login journey run for
// real against the sandbox (with the wrong-label defect, so it has
// findings) in en and zh-HK on desktop and mobile, its zh-CN cells left
// missing, and a journey that fails, run twice. One run has a video made
// by ffmpeg. fx.pack is that release exported once, signed.
type fixture struct {
	dir      string
	store    *recordings.Store
	browser  *chrome.Browser
	release  string
	journeys map[string]*journeys.Journey
	older    uint // the first run of broken/en/desktop (the pack takes the second)
	videoRun uint
	priv     ed25519.PrivateKey
	pub      ed25519.PublicKey
	pubPath  string
	pack     string
	summary  *Summary
}

var fx fixture

// shared builds fx for the first test that needs it.
var shared = browsertest.Shared{Setup: func() (func(), error) { return fx.close, setup() }}

const testVersion = "0.0.0-test"

func TestMain(m *testing.M) { browsertest.Run(m, &shared) }

// close stops the fixture's browser and removes its files.
func (f *fixture) close() {
	if f.browser != nil {
		f.browser.Close()
	}
	if f.store != nil {
		f.store.Close()
	}
	if f.dir != "" {
		os.RemoveAll(f.dir)
	}
}

func setup() error {
	ctx, cancel := context.WithTimeout(context.Background(), 10*time.Minute)
	defer cancel()
	var err error
	if fx.dir, err = os.MkdirTemp("", "pack-test-*"); err != nil {
		return err
	}
	if fx.store, err = recordings.Open(filepath.Join(fx.dir, "data")); err != nil {
		return err
	}
	sb, err := sandbox.New(sandbox.Options{Defects: []string{"wrong-label"}})
	if err != nil {
		return err
	}
	srv := httptest.NewServer(sb)
	defer srv.Close()
	if fx.browser, err = chrome.StartBrowser(ctx, chrome.BrowserOptions{}); err != nil {
		return err
	}
	js, err := journeys.LoadFiles([]string{"testdata/login.yaml", "testdata/broken.yaml"})
	if err != nil {
		return err
	}
	fx.journeys = map[string]*journeys.Journey{}
	for _, j := range js {
		fx.journeys[j.ID] = j
	}
	fx.release = "test-release"
	login, err := journeys.Expand([]*journeys.Journey{fx.journeys["login"]}, []string{"en", "zh-HK"}, nil)
	if err != nil {
		return err
	}
	broken, err := journeys.Expand([]*journeys.Journey{fx.journeys["broken"]}, nil, nil)
	if err != nil {
		return err
	}
	first, err := runCells(ctx, srv.URL, broken)
	if err != nil {
		return err
	}
	fx.older = first.RunID(broken[0])
	rec, err := runCells(ctx, srv.URL, append(login, broken...))
	if err != nil {
		return err
	}
	fx.videoRun = rec.RunID(login[0])
	if err := attachVideo(fx.videoRun); err != nil {
		return err
	}
	keys := filepath.Join(fx.dir, "keys")
	privPath, pubPath, err := GenerateKey(keys)
	if err != nil {
		return err
	}
	fx.pubPath = pubPath
	if fx.priv, err = LoadPrivateKey(privPath); err != nil {
		return err
	}
	if fx.pub, err = LoadPublicKey(pubPath); err != nil {
		return err
	}
	// The release is the approved baseline of login: the report shows the
	// approval record.
	if _, err := fx.store.Approve(fx.release, "login", recordings.Approval{By: "qa-alice", Note: "signed off for ITE",
		ComparedWith: `release "r0"`, Changes: 3, Accepted: 3}); err != nil {
		return err
	}
	fx.pack = filepath.Join(fx.dir, "pack.zip")
	if fx.summary, err = Export(ctx, fx.options(), fx.pack); err != nil {
		return err
	}
	return nil
}

// options are the export options of the fixture's pack.
func (f *fixture) options() Options {
	// The submission renditions are left out here (TestSubmission makes
	// them), so that the shared set-up stays quick.
	return Options{Store: f.store, Browser: f.browser, Release: f.release, SignKey: f.priv, NoRenditions: true,
		Version: testVersion, FFmpegVersion: "ffmpeg test", Rules: []string{"iamsmart.entry.present", "iamsmart.label.approved", "a11y.contrast"}}
}

// runCells runs cells under the fixture's release with the real verifier.
func runCells(ctx context.Context, baseURL string, cells []journeys.Cell) (*recordings.Recorder, error) {
	rec := &recordings.Recorder{Store: fx.store, Release: fx.release, BaseURL: baseURL, BrowserVersion: fx.browser.Version()}
	r := &chrome.Runner{Browser: fx.browser, BaseURL: baseURL, Parallel: 2, Observer: rec, Checker: &checker{pack: verifier.DefaultPack()}}
	for _, res := range r.Run(ctx, cells) {
		if res.ObserverError != nil {
			return nil, fmt.Errorf("store %s: %w", res.Cell, res.ObserverError)
		}
		if res.Status == journeyproof.StatusInterrupted {
			return nil, fmt.Errorf("run %s: %s", res.Cell, res.Error)
		}
	}
	return rec, nil
}

// attachVideo makes a one-second MP4 and its captions with ffmpeg and
// stores them as the run's video.
func attachVideo(run uint) error {
	mp4 := filepath.Join(fx.dir, "video.mp4")
	out, err := exec.Command("ffmpeg", "-hide_banner", "-loglevel", "error", "-f", "lavfi", "-i", "testsrc=size=320x180:rate=10",
		"-t", "1", "-pix_fmt", "yuv420p", "-y", mp4).CombinedOutput()
	if err != nil {
		return fmt.Errorf("ffmpeg: %v: %s", err, out)
	}
	sha, err := fx.store.PutArtifactFile(mp4, "video/mp4")
	if err != nil {
		return err
	}
	vtt, err := fx.store.PutArtifact([]byte("WEBVTT\n\n00:00:00.000 --> 00:00:01.000\n1. Open the login page\n"), "text/vtt")
	if err != nil {
		return err
	}
	fi, err := os.Stat(mp4)
	if err != nil {
		return err
	}
	return fx.store.DB.Create(&recordings.Video{RunID: run, SHA256: sha, CaptionsSHA: vtt, DurationMS: 1000, Frames: 10,
		Width: 320, Height: 180, FPS: 10, Size: fi.Size(), CreatedAt: time.Now()}).Error
}

// checker is the verifier on the runner's Checker interface, as the
// command line wires it (without crops of the screenshots' elements).
type checker struct{ pack *verifier.Pack }

func (c *checker) vctx(cell journeys.Cell, s *journeys.Step) verifier.Context {
	dev := "desktop"
	if cell.Device.Mobile {
		dev = "mobile"
	}
	return verifier.Context{Process: cell.Journey.Process, Lang: cell.Lang, Device: dev, Trigger: s.Trigger}
}

func (c *checker) CheckScreen(ctx context.Context, in chrome.ScreenInput) (chrome.ScreenCheck, error) {
	facts, err := verifier.Probe(ctx)
	if err != nil {
		return chrome.ScreenCheck{}, err
	}
	res := c.pack.CheckPage(facts, c.vctx(in.Cell, in.Step))
	out := chrome.ScreenCheck{Findings: convert(res.Findings)}
	for i, f := range res.Findings {
		if len(in.FullPage) > 0 && f.Box.W > 0 && f.Box.H > 0 {
			if crop, err := verifier.Crop(in.FullPage, f.Box, in.Cell.Device.Scale); err == nil {
				out.Findings[i].Crop = crop
			}
		}
	}
	for _, e := range res.Entries {
		out.Entries = append(out.Entries, journeyproof.Entry{Selector: e.Selector, Text: e.Text, Box: journeyproof.Box(e.Box)})
	}
	return out, nil
}

func (c *checker) CheckTrigger(ctx context.Context, in chrome.TriggerInput) (chrome.TriggerCheck, error) {
	for _, u := range in.Requests {
		if c.pack.IsAuthorizeURL(u) {
			return chrome.TriggerCheck{Request: u, Findings: convert(c.pack.CheckRedirect(verifier.Request{URL: u}, c.vctx(in.Cell, in.Step)))}, nil
		}
	}
	return chrome.TriggerCheck{}, nil
}

func convert(fs []journeyproof.Finding) []journeyproof.Finding {
	out := make([]journeyproof.Finding, len(fs))
	for i, f := range fs {
		out[i] = journeyproof.Finding{Rule: f.Rule, Severity: f.Severity, Message: f.Message, Selector: f.Selector,
			Box: journeyproof.Box(f.Box), Waived: f.Waived, WaiverReason: f.WaiverReason}
	}
	return out
}

package pack

import (
	"context"
	"crypto/ed25519"
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"testing"
	"time"

	"journeyproof/engine"
	"journeyproof/internal/browsertest"
	"journeyproof/internal/chrometest"
	"journeyproof/internal/enginetest"
	"journeyproof/journeys"
	"journeyproof/journeys/chrome"
	"journeyproof/recordings"
)

// fixture is the release every test exports: the login journey run for
// real against the sandbox (with the wrong-label defect, so it has
// findings) in en and zh-HK on desktop and mobile, its zh-CN cells left
// missing, and a journey that fails, run twice. One run has a video made
// by ffmpeg. fx.pack is that release exported once, signed.
type fixture struct {
	dir string
	// engine runs the cells as `journeyproof run` does (queue, worker,
	// recorder, checker); store and browser are its own.
	engine   *engine.Engine
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

// close stops the fixture's engine (browser, store) and removes its files.
func (f *fixture) close() {
	if f.engine != nil {
		f.engine.Close()
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
	// No workflow video: one run gets a made one (attachVideo).
	if fx.engine, err = enginetest.Open(ctx, filepath.Join(fx.dir, "data"), engine.Config{Parallel: 2, Work: true}); err != nil {
		return err
	}
	fx.store, fx.browser = fx.engine.Store, fx.engine.Browser
	srv, err := chrometest.Sandbox("wrong-label")
	if err != nil {
		return err
	}
	defer srv.Close()
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
	fx.older = first[0]
	ids, err := runCells(ctx, srv.URL, append(login, broken...))
	if err != nil {
		return err
	}
	fx.videoRun = ids[0]
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

// runCells runs cells under the fixture's release with the engine and
// returns their runs, in cell order.
func runCells(ctx context.Context, baseURL string, cells []journeys.Cell) ([]uint, error) {
	out, err := enginetest.Run(ctx, fx.engine, fx.release, baseURL, cells)
	if err != nil {
		return nil, err
	}
	return out.RunIDs(), nil
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

package imagediff

import (
	"context"
	"flag"
	"fmt"
	"log/slog"
	"os"
	"path/filepath"
	"testing"
	"time"

	"github.com/chromedp/chromedp"

	"journeyproof/journeys/chrome"
)

// The screenshots under testdata/ are rendered by headless Chromium from the
// pages under testdata/pages/ and kept, so that the tests and benchmarks
// compare the same pixels on every machine. Refresh them with
//
//	go test ./recordings/imagediff -update
var update = flag.Bool("update", false, "render testdata/*.png again from testdata/pages with Chromium")

// shot is one screenshot of a test page: the page, its variant (the URL
// fragment) and the viewport, which is also the size of the PNG.
type shot struct {
	file, page, variant string
	w, h                int64
}

var shots = []shot{
	{"login-base.png", "login.html", "", 480, 320},
	{"login-moved.png", "login.html", "moved", 480, 320},
	{"login-label.png", "login.html", "label", 480, 320},
	{"login-shift.png", "login.html", "shift", 480, 320},
	{"login-tall.png", "login.html", "", 480, 400},
	{"shapes-base.png", "shapes.html", "", 480, 200},
	{"shapes-aa.png", "shapes.html", "aa", 480, 200},
	{"text-base.png", "text.html", "", 480, 140},
	{"text-aa.png", "text.html", "aa", 480, 140},
	{"page-base-768.png", "page.html", "", 1366, 768},
	{"page-head-768.png", "page.html", "head", 1366, 768},
	{"page-base-6000.png", "page.html", "", 1366, 6000},
	{"page-head-6000.png", "page.html", "head", 1366, 6000},
}

func TestMain(m *testing.M) {
	flag.Parse()
	if *update {
		if err := renderTestdata(); err != nil {
			slog.Error("render testdata", "err", err)
			os.Exit(1)
		}
	}
	os.Exit(m.Run())
}

// renderTestdata takes every screenshot of shots with one Chromium, started
// as journeyproof starts it, so that they are drawn as a run's screenshots are.
func renderTestdata() error {
	b, err := chrome.StartBrowser(context.Background(), chrome.BrowserOptions{})
	if err != nil {
		return err
	}
	defer b.Close()
	browserCtx := b.Context()
	ctx, cancel := context.WithTimeout(browserCtx, 2*time.Minute)
	defer cancel()

	for _, s := range shots {
		path, err := filepath.Abs(filepath.Join("testdata", "pages", s.page))
		if err != nil {
			return fmt.Errorf("page %s: %w", s.page, err)
		}
		url := "file://" + path
		if s.variant != "" {
			url += "#" + s.variant
		}
		if err := chromedp.Do(ctx,
			chromedp.EmulateViewport(s.w, s.h),
			chromedp.Navigate("about:blank"),
			chromedp.Navigate(url),
		); err != nil {
			return fmt.Errorf("open %s: %w", url, err)
		}
		height, err := chromedp.Run(ctx, chromedp.Evaluate[int64](
			`document.fonts.ready.then(() => document.documentElement.scrollHeight)`, chromedp.EvalAwaitPromise))
		if err != nil {
			return fmt.Errorf("wait for the fonts of %s: %w", url, err)
		}
		if height > s.h && s.w == 1366 && s.h > 768 {
			slog.Warn("page taller than its screenshot", "page", s.page, "height", height)
		}
		png, err := chromedp.Run(ctx, chromedp.CaptureScreenshot())
		if err != nil {
			return fmt.Errorf("screenshot %s: %w", url, err)
		}
		if err := os.WriteFile(filepath.Join("testdata", s.file), png, 0o644); err != nil {
			return fmt.Errorf("write %s: %w", s.file, err)
		}
		slog.Info("rendered", "file", s.file, "bytes", len(png), "page height", height)
	}
	return nil
}

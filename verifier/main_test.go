package verifier

import (
	"bytes"
	"context"
	"fmt"
	"image"
	"image/color"
	"image/png"
	"net/http"
	"net/http/httptest"
	"slices"
	"strings"
	"testing"

	"github.com/chromedp/chromedp"

	"journeyproof"
	"journeyproof/internal/browsertest"
	"journeyproof/journeys/chrome"
)

// The browser, its tabs and the fixture server are started once for the
// package, by the first test that needs them (shared.Need).
var (
	browserCtx context.Context
	tabs       = map[string]context.Context{}
	server     *httptest.Server
	shared     = browsertest.Shared{Setup: startShared}
)

func TestMain(m *testing.M) { browsertest.Run(m, &shared) }

// startShared starts Chromium, its tabs and the fixture server, and returns
// how to stop them again.
func startShared() (func(), error) {
	b, err := chrome.StartBrowser(context.Background(), chrome.BrowserOptions{})
	if err != nil {
		return nil, err
	}
	stops := browsertest.Stops{b.Close}
	browserCtx = b.Context()
	for _, d := range []string{DeviceDesktop, DeviceMobile} {
		tab, cancelTab, err := newTab(d)
		if err != nil {
			return stops.Stop, err
		}
		stops.Add(cancelTab)
		tabs[d] = tab
	}
	server = httptest.NewServer(fixtureHandler())
	stops.Add(server.Close)
	return stops.Stop, nil
}

// fixtureHandler serves the fixture pages (/page/NAME) and images.
func fixtureHandler() http.Handler {
	pages := fixturePages()
	mux := http.NewServeMux()
	mux.HandleFunc("/logo.png", func(w http.ResponseWriter, r *http.Request) {
		w.Header().Set("Content-Type", "image/png")
		w.Write(solidPNG(40, 40, color.RGBA{0, 110, 90, 255}))
	})
	mux.HandleFunc("/page/", func(w http.ResponseWriter, r *http.Request) {
		html, ok := pages[strings.TrimPrefix(r.URL.Path, "/page/")]
		if !ok {
			http.NotFound(w, r)
			return
		}
		w.Header().Set("Content-Type", "text/html; charset=utf-8")
		fmt.Fprint(w, html)
	})
	return mux
}

func solidPNG(w, h int, c color.Color) []byte {
	img := image.NewRGBA(image.Rect(0, 0, w, h))
	for y := 0; y < h; y++ {
		for x := 0; x < w; x++ {
			img.Set(x, y, c)
		}
	}
	var b bytes.Buffer
	if err := png.Encode(&b, img); err != nil {
		panic(err)
	}
	return b.Bytes()
}

// openTab loads a fixture page in the package's tab for the device. The
// tabs are made once, by the first test that needs them, and shared by the tests, which run one at
// a time.
func openTab(tb testing.TB, device, page string) context.Context {
	tb.Helper()
	shared.Need(tb)
	ctx := tabs[device]
	if ctx == nil {
		ctx = tabs[DeviceDesktop]
	}
	if err := chromedp.Do(ctx, chromedp.Navigate(server.URL+"/page/"+page)); err != nil {
		tb.Fatalf("open %s: %v", page, err)
	}
	return ctx
}

// newTab opens a tab sized for the device: 1366x768 on desktop, 390x844 at
// 3 device pixels per CSS px on mobile.
func newTab(device string) (context.Context, context.CancelFunc, error) {
	ctx, cancel := chromedp.NewContext(browserCtx)
	emulate := chromedp.EmulateViewport(1366, 768)
	if device == DeviceMobile {
		emulate = chromedp.EmulateViewport(390, 844, chromedp.EmulateScale(3), chromedp.EmulateMobile, chromedp.EmulateTouch)
	}
	if err := chromedp.Do(ctx, emulate); err != nil {
		cancel()
		return nil, nil, fmt.Errorf("open %s tab: %w", device, err)
	}
	return ctx, cancel, nil
}

// probePage loads a fixture and probes it.
func probePage(tb testing.TB, device, page string) *PageFacts {
	tb.Helper()
	facts, err := Probe(openTab(tb, device, page))
	if err != nil {
		tb.Fatalf("probe %s: %v", page, err)
	}
	return facts
}

// ruleIDsOf lists the distinct rule ids of findings, sorted.
func ruleIDsOf(fs []journeyproof.Finding) []string {
	var ids []string
	for _, f := range fs {
		if !slices.Contains(ids, f.Rule) {
			ids = append(ids, f.Rule)
		}
	}
	slices.Sort(ids)
	return ids
}

func describe(fs []journeyproof.Finding) string {
	var b strings.Builder
	for _, f := range fs {
		fmt.Fprintf(&b, "\n  %s [%s] %s: %s", f.Rule, f.Severity, f.Selector, f.Message)
	}
	return b.String()
}

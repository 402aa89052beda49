package journeys

import (
	"context"
	"errors"
	"fmt"
	"os"
	"os/exec"
	"strings"

	"github.com/chromedp/cdproto/browser"
	"github.com/chromedp/cdproto/cdp"
	"github.com/chromedp/chromedp"
)

// Browser is one Chromium process shared by every cell of an invocation;
// each cell runs in its own browser context (an incognito-like profile).
type Browser struct {
	ctx     context.Context
	cancel  context.CancelFunc
	version string
	path    string
}

// BrowserOptions configure how Chromium starts.
type BrowserOptions struct {
	// ExecPath is the Chromium binary; empty means JOURNEYPROOF_CHROMIUM,
	// then /usr/bin/chromium, then chromium or google-chrome on PATH.
	ExecPath string
}

// FindChromium returns the path of the Chromium binary to use.
func FindChromium(explicit string) (string, error) {
	if explicit != "" {
		return explicit, nil
	}
	if p := os.Getenv("JOURNEYPROOF_CHROMIUM"); p != "" {
		return p, nil
	}
	if _, err := os.Stat("/usr/bin/chromium"); err == nil {
		return "/usr/bin/chromium", nil
	}
	for _, name := range []string{"chromium", "chromium-browser", "google-chrome", "google-chrome-stable"} {
		if p, err := exec.LookPath(name); err == nil {
			return p, nil
		}
	}
	return "", errors.New("chromium not found; run scripts/setup (or apt-get install chromium), or set JOURNEYPROOF_CHROMIUM")
}

// AllocatorOptions returns the Chromium flags journeyproof runs with:
// headless, no sandbox only when root, and background networking,
// component updates and sync off (the machine may have no internet).
func AllocatorOptions(execPath string) []chromedp.ExecAllocatorOption {
	opts := append([]chromedp.ExecAllocatorOption{}, chromedp.DefaultExecAllocatorOptions[:]...)
	opts = append(opts,
		chromedp.ExecPath(execPath),
		chromedp.Flag("disable-gpu", true),
		chromedp.Flag("disable-background-networking", true),
		chromedp.Flag("disable-component-update", true),
		chromedp.Flag("disable-sync", true),
		chromedp.Flag("disable-quic", true),
		chromedp.Flag("hide-scrollbars", true),
		chromedp.Flag("mute-audio", true),
		chromedp.Flag("font-render-hinting", "none"),
	)
	if os.Geteuid() == 0 {
		opts = append(opts, chromedp.NoSandbox)
	}
	return opts
}

// StartBrowser starts Chromium. Close it when done.
func StartBrowser(ctx context.Context, o BrowserOptions) (*Browser, error) {
	path, err := FindChromium(o.ExecPath)
	if err != nil {
		return nil, err
	}
	allocCtx, allocCancel := chromedp.NewExecAllocator(context.WithoutCancel(ctx), AllocatorOptions(path)...)
	bctx, bcancel := chromedp.NewContext(allocCtx)
	if err := chromedp.Do(bctx); err != nil {
		bcancel()
		allocCancel()
		return nil, fmt.Errorf("start chromium %s: %w", path, err)
	}
	v, err := chromedp.CallBrowser(bctx, browser.GetVersion, cdp.Empty{})
	if err != nil {
		bcancel()
		allocCancel()
		return nil, fmt.Errorf("read chromium version: %w", err)
	}
	b := &Browser{ctx: bctx, path: path, cancel: func() { bcancel(); allocCancel() }}
	b.version = strings.Replace(v.Product, "HeadlessChrome", "Chromium", 1)
	return b, nil
}

// Version is the browser's product and version, e.g. "Chromium/156.0".
func (b *Browser) Version() string { return b.version }

// Context is the browser's chromedp context; a child made with
// chromedp.NewContext opens a new tab in it.
func (b *Browser) Context() context.Context { return b.ctx }

// Close stops Chromium.
func (b *Browser) Close() { b.cancel() }

package chrome

import (
	"context"
	"errors"
	"fmt"
	"log/slog"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"sync/atomic"
	"time"

	"github.com/chromedp/cdproto/browser"
	"github.com/chromedp/cdproto/cdp"
	"github.com/chromedp/chromedp"

	"journeyproof/internal/owner"
)

// Browser is one Chromium process shared by every cell of an invocation;
// each cell runs in its own browser context (an incognito-like profile).
type Browser struct {
	ctx     context.Context
	cancel  context.CancelFunc
	version string
	path    string
	// profile is the user data folder, named after this process (see
	// RemoveLeftoverProfiles); closed is set by Close.
	profile string
	closed  atomic.Bool
	// phones are the idle phone-side tabs (phone.go).
	phones phonePool
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
// component updates and sync off (the machine may have no internet), and
// text drawn the same way in every run (no hinting, no subpixel glyph
// positions).
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
		// Glyphs on whole device pixels. Without this, clean re-runs of a
		// 3x mobile page drew the text of some elements (a link, the
		// fields' values) a third of a device pixel apart with the same
		// layout, fixed for the life of the tab, one way or the other at
		// random: on Linux Chromium positions glyphs at subpixel offsets
		// when the device scale factor is above 1, and the emulated scale
		// reaches a new renderer process while its first page's fonts are
		// being made. With it, every run drew the same pixels.
		chromedp.Flag("disable-font-subpixel-positioning", true),
	)
	if os.Geteuid() == 0 {
		opts = append(opts, chromedp.NoSandbox)
	}
	return opts
}

// profilePrefix begins the name of each Chromium profile folder that
// journeyproof makes in the temporary folder; the owner's tag follows.
const profilePrefix = "journeyproof-chromium-"

// StartBrowser starts Chromium with a fresh profile in the temporary folder,
// named after this process. It first removes the profiles that processes
// which are gone left there (see RemoveLeftoverProfiles). Close it when
// done.
func StartBrowser(ctx context.Context, o BrowserOptions) (*Browser, error) {
	path, err := FindChromium(o.ExecPath)
	if err != nil {
		return nil, err
	}
	if _, err := RemoveLeftoverProfiles(os.TempDir()); err != nil {
		slog.Warn("leftover Chromium profiles not removed", "err", err)
	}
	profile, err := os.MkdirTemp("", profilePrefix+owner.Self().Tag()+"-")
	if err != nil {
		return nil, fmt.Errorf("start chromium: profile folder: %w", err)
	}
	allocCtx, allocCancel := chromedp.NewExecAllocator(context.WithoutCancel(ctx), append(AllocatorOptions(path), chromedp.UserDataDir(profile))...)
	release := func() {
		allocCancel() // waits for the process to exit
		removeProfile(profile)
	}
	return open(allocCtx, &Browser{path: path, profile: profile}, release, "start chromium "+path, "read chromium version")
}

// open makes b the browser of the allocator allocCtx: it opens a browser
// context there and reads the browser's version. release ends the
// allocator once the context is gone, on Close or on a failure here;
// connecting and reading say what they do in errors.
func open(allocCtx context.Context, b *Browser, release func(), connecting, reading string) (*Browser, error) {
	bctx, bcancel := chromedp.NewContext(allocCtx)
	stop := func() {
		bcancel()
		release()
	}
	if err := chromedp.Do(bctx); err != nil {
		stop()
		return nil, fmt.Errorf("%s: %w", connecting, err)
	}
	v, err := chromedp.CallBrowser(bctx, browser.GetVersion, cdp.Empty{})
	if err != nil {
		stop()
		return nil, fmt.Errorf("%s: %w", reading, err)
	}
	b.ctx, b.cancel = bctx, stop
	b.version = strings.Replace(v.Product, "HeadlessChrome", "Chromium", 1)
	return b, nil
}

// removeProfile removes a profile folder; a Chromium helper process that
// outlives the browser by a moment can still write there, so it tries
// again a few times.
func removeProfile(dir string) {
	for i := 0; i < 5; i++ {
		if err := os.RemoveAll(dir); err == nil {
			return
		}
		time.Sleep(20 * time.Millisecond)
	}
}

// RemoveLeftoverProfiles removes the Chromium profiles in dir that
// journeyproof processes left when they were killed, only those whose
// owner process is gone, and returns how many it removed.
func RemoveLeftoverProfiles(dir string) (int, error) {
	entries, err := os.ReadDir(dir)
	if err != nil {
		return 0, fmt.Errorf("read %s: %w", dir, err)
	}
	n := 0
	for _, e := range entries {
		tag, ok := strings.CutPrefix(e.Name(), profilePrefix)
		if !ok || !e.IsDir() {
			continue
		}
		i := strings.LastIndexByte(tag, '-')
		if i < 0 {
			continue
		}
		o, ok := owner.FromTag(tag[:i])
		if !ok || o.Alive() {
			continue
		}
		if err := os.RemoveAll(filepath.Join(dir, e.Name())); err != nil {
			return n, fmt.Errorf("remove leftover Chromium profile: %w", err)
		}
		n++
	}
	return n, nil
}

// Version is the browser's product and version, e.g. "Chromium/156.0".
func (b *Browser) Version() string { return b.version }

// Context is the browser's chromedp context; a child made with
// chromedp.NewContext opens a new tab in it.
func (b *Browser) Context() context.Context { return b.ctx }

// PID is the process id of Chromium's browser process (0 when unknown).
func (b *Browser) PID() int {
	if c := chromedp.FromContext(b.ctx); c != nil && c.Browser != nil && c.Browser.Process() != nil {
		return c.Browser.Process().Pid
	}
	return 0
}

// Profile is the browser's user data folder.
func (b *Browser) Profile() string { return b.profile }

// Exited returns ErrBrowserExited when the Chromium process exited without
// Close (it crashed or was killed), else nil.
func (b *Browser) Exited() error {
	if b.ctx.Err() != nil && !b.closed.Load() {
		return ErrBrowserExited
	}
	return nil
}

// Close stops Chromium and removes its profile.
func (b *Browser) Close() {
	b.closed.Store(true)
	b.cancel()
}

package chrome

import (
	"context"
	"fmt"
	"strings"

	"github.com/chromedp/chromedp/remote"
)

// ConnectBrowser attaches to a Chromium that runs already, on this machine
// or another, over the DevTools protocol: url is its websocket address
// (ws://host:9222/devtools/browser/…) or its debugging port
// (http://host:9222 or ws://host:9222/, whose /json/version gives the
// address). Each cell still gets its own browser context; Close detaches
// and leaves the browser running.
func ConnectBrowser(ctx context.Context, url string) (*Browser, error) {
	if !strings.HasPrefix(url, "ws://") && !strings.HasPrefix(url, "wss://") && !strings.HasPrefix(url, "http://") && !strings.HasPrefix(url, "https://") {
		return nil, fmt.Errorf("--browser %q: want ws://host:9222/devtools/browser/… or http://host:9222", url)
	}
	allocCtx, allocCancel := remote.NewAllocator(context.WithoutCancel(ctx), url)
	return open(allocCtx, &Browser{path: url}, allocCancel, "attach to the browser at "+url, "read the version of the browser at "+url)
}

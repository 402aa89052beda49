package web

import (
	"context"
	"fmt"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/chromedp/chromedp"
)

// End-to-end tests: the app on a free loopback port, pages opened in the
// shared headless Chromium, clicked as a reviewer would.

// tab opens url in a new tab at 1366x768 (a laptop screen).
func tab(t *testing.T, url string, timeout time.Duration) context.Context {
	t.Helper()
	return tabAt(t, 1366, 768, url, timeout)
}

// tabAt opens url in a new tab with a viewport of w x h CSS px; the tab
// and what the test does in it end after timeout.
func tabAt(t *testing.T, w, h int64, url string, timeout time.Duration) context.Context {
	t.Helper()
	ctx, cancel := chromedp.NewContext(browser.Context())
	t.Cleanup(cancel)
	if err := chromedp.Do(ctx, chromedp.EmulateViewport(w, h)); err != nil {
		t.Fatal(err)
	}
	tctx, tcancel := context.WithTimeout(ctx, timeout)
	t.Cleanup(tcancel)
	navigate(t, tctx, url)
	return tctx
}

// navigate loads url in the tab.
func navigate(t *testing.T, ctx context.Context, url string) {
	t.Helper()
	if err := chromedp.Do(ctx, chromedp.Navigate(url)); err != nil {
		t.Fatal(err)
	}
}

// eval runs a JavaScript expression and returns its value.
func eval[T any](t *testing.T, ctx context.Context, js string) T {
	t.Helper()
	v, err := chromedp.Run(ctx, chromedp.Evaluate[T](js))
	if err != nil {
		t.Fatalf("evaluate %s: %v", js, err)
	}
	return v
}

// waitFor polls a JavaScript predicate until it is true, across the
// page's reloads.
func waitFor(t *testing.T, ctx context.Context, js string, timeout time.Duration) {
	t.Helper()
	deadline := time.Now().Add(timeout)
	for {
		left := time.Until(deadline)
		if left <= 0 {
			t.Fatalf("wait for %s: timed out after %s", js, timeout)
		}
		err := chromedp.Do(ctx, chromedp.Poll[chromedp.Void](js, chromedp.WithPollingInterval(50*time.Millisecond), chromedp.WithPollingTimeout(left)))
		if err == nil {
			return
		}
		if ctx.Err() != nil || !strings.Contains(err.Error(), "navigated") && !strings.Contains(err.Error(), "context was destroyed") && !strings.Contains(err.Error(), "Cannot find context") {
			t.Fatalf("wait for %s: %v", js, err)
		}
		time.Sleep(100 * time.Millisecond) // the page is reloading
	}
}

func TestE2ECoverageToRunAndVideo(t *testing.T) {
	shared.Need(t)
	s := newServer(t, Options{Starter: starter, BaseURL: siteURL})
	base := serve(t, s)
	ctx := tab(t, base+"/", 2*time.Minute)
	// The newest release is picked; the login cell links to its run.
	if got := eval[string](t, ctx, `document.querySelector("#release").value`); got == "" {
		t.Fatalf("no release picked")
	}
	navigate(t, ctx, base+"/?release="+release)
	missing := eval[int](t, ctx, `document.querySelectorAll("td.state-missing").length`)
	if missing != 60 { // main paths and branches
		t.Errorf("%d missing cells shown, want 60", missing)
	}
	if err := chromedp.Do(ctx,
		chromedp.Click(chromedp.CSS(`td[data-journey="login"][data-lang="en"][data-device="desktop"] a.cell-link`)),
		chromedp.WaitVisible(chromedp.CSS(`article.step`)),
	); err != nil {
		t.Fatal(err)
	}
	loc, err := chromedp.Run(ctx, chromedp.Location())
	if err != nil || loc != fmt.Sprintf("%s/runs/%d", base, passRun) {
		t.Fatalf("clicked through to %s (%v), want run %d", loc, err, passRun)
	}
	if n := eval[int](t, ctx, `document.querySelectorAll("article.step").length`); n != 5 {
		t.Errorf("%d cards, want 5", n)
	}
	if !eval[bool](t, ctx, `document.querySelector("#step-2").classList.contains("is-trigger")`) {
		t.Errorf("step 2 is not marked as the trigger")
	}
	// The numbered box sits over the entry on the screenshot: the finding's
	// document box minus the scroll, scaled to the shown screenshot.
	waitFor(t, ctx, `document.querySelector("#step-2 .shot img").complete`, 20*time.Second)
	v, err := s.Run(passRun)
	if err != nil {
		t.Fatal(err)
	}
	m := v.Steps[1].Marks[0]
	got := eval[[]float64](t, ctx, `(() => {
		const img = document.querySelector("#step-2 .shot img").getBoundingClientRect();
		const r = document.querySelector("#step-2 svg.marks rect").getBoundingClientRect();
		return [img.width, r.left - img.left, r.top - img.top, r.width];
	})()`)
	k := got[0] / 1366
	if !near(got[1], m.X*k, 2) || !near(got[2], m.Y*k, 2) || !near(got[3], m.W*k, 2) {
		t.Errorf("box drawn at %.1f,%.1f width %.1f in a %.0f px screenshot; want %.1f,%.1f width %.1f", got[1], got[2], got[3], got[0], m.X*k, m.Y*k, m.W*k)
	}
	if n := eval[string](t, ctx, `document.querySelector("#step-2 svg.marks text").textContent`); !strings.Contains(n, "1") {
		t.Errorf("the box is numbered %q", n)
	}

	run, err := store.Run(passRun)
	if err != nil {
		t.Fatal(err)
	}
	if run.Video == nil {
		t.Logf("run %d has no video: the video part is not checked", passRun)
		return
	}
	// The video: a chapter seeks it and marks its card.
	waitFor(t, ctx, `document.querySelector("#video").readyState >= 1`, 30*time.Second)
	chapter := func(step int) float64 {
		for _, c := range v.Video.Chapters {
			if c.Step == step {
				return c.Start
			}
		}
		t.Fatalf("no chapter for step %d", step)
		return 0
	}
	if err := chromedp.Do(ctx, chromedp.Click(chromedp.CSS(`.chapters button[data-step="3"]`))); err != nil {
		t.Fatal(err)
	}
	// The seek plays from the chapter: the time is at or just past it.
	waitFor(t, ctx, fmt.Sprintf(`(t => t > %f - 0.05 && t < %f + 0.6)(document.querySelector("#video").currentTime)`, chapter(3), chapter(3)), 10*time.Second)
	waitFor(t, ctx, `document.querySelector("#step-3").classList.contains("current") && document.querySelector('.chapters [data-step="3"]').classList.contains("current")`, 5*time.Second)
	// Clicking a card seeks the video to its step.
	if err := chromedp.Do(ctx, chromedp.Click(chromedp.CSS(`#step-4 .step-name`))); err != nil {
		t.Fatal(err)
	}
	waitFor(t, ctx, fmt.Sprintf(`(t => t > %f - 0.05 && t < %f + 0.6)(document.querySelector("#video").currentTime)`, chapter(4), chapter(4)), 10*time.Second)
	eval[bool](t, ctx, `(() => { document.querySelector("#video").pause(); return true })()`)
	// Playing highlights the card of the step on screen: from inside step 4
	// (card 4 marked by the seek), playback alone moves the mark to card 5.
	// (The last chapter can be shorter than a poll, so the video may have
	// ended by the time card 5 is seen: only playback can have marked it.)
	from := max(chapter(5)-0.4, (chapter(4)+chapter(5))/2)
	eval[bool](t, ctx, fmt.Sprintf(`(() => { const v = document.querySelector("#video"); v.muted = true; v.currentTime = %f; return true })()`, from))
	waitFor(t, ctx, `document.querySelector("#step-4").classList.contains("current")`, 10*time.Second)
	eval[bool](t, ctx, `(() => { document.querySelector("#video").play(); return true })()`)
	waitFor(t, ctx, `document.querySelector("#step-5").classList.contains("current")`, 15*time.Second)
	if n := eval[int](t, ctx, `document.querySelectorAll("article.step.current").length`); n != 1 {
		t.Errorf("%d cards highlighted, want 1", n)
	}
}

func TestE2EStartRunFromThePage(t *testing.T) {
	shared.Need(t)
	s := newServer(t, Options{Starter: starter, BaseURL: siteURL})
	base := serve(t, s)
	ctx := tab(t, base+"/start", 4*time.Minute)
	// Choosing a journey offers only the languages and devices of its matrix.
	eval[bool](t, ctx, `(() => { const j = document.querySelector("#journey"); j.value = "quick"; j.dispatchEvent(new Event("change")); return true })()`)
	if hidden := eval[bool](t, ctx, `document.querySelector('[data-lang="zh-HK"]').hidden && document.querySelector('[data-device="mobile"]').hidden`); !hidden {
		t.Errorf("zh-HK and mobile are offered for a journey whose matrix is en on desktop")
	}
	if err := chromedp.Do(ctx,
		chromedp.SetValue(chromedp.CSS("#release"), "e2e"),
		chromedp.Click(chromedp.CSS(`#start-form button[type="submit"]`)),
		chromedp.WaitVisible(chromedp.CSS("#invocation")),
	); err != nil {
		t.Fatal(err)
	}
	loc, _ := chromedp.Run(ctx, chromedp.Location())
	if !strings.Contains(loc, "/invocations/") {
		t.Fatalf("after Start the page is %s", loc)
	}
	// The page follows the run through its event stream and reloads when
	// it ends; nothing else reloads it.
	waitFor(t, ctx, `document.querySelector('#invocation[data-done="true"]') !== null`, 3*time.Minute)
	status := eval[string](t, ctx, `document.querySelector('tr[data-cell="quick/en/desktop"] .c-status').textContent`)
	href := eval[string](t, ctx, `(document.querySelector('tr[data-cell="quick/en/desktop"] .c-run a') || {}).pathname || ""`)
	if !strings.Contains(status, "Passed") || !strings.HasPrefix(href, "/runs/") {
		t.Fatalf("after the run: status %q, link %q", status, href)
	}
	if *update {
		writeScreen(t, ctx, "invocation")
	}
	// It lands in the coverage matrix of its release.
	navigate(t, ctx, base+"/?release=e2e")
	cell := eval[string](t, ctx, `(() => { const a = document.querySelector('td[data-journey="quick"][data-lang="en"][data-device="desktop"].state-passed a'); return a ? a.pathname : "" })()`)
	if cell != href {
		t.Errorf("the coverage of e2e links %q, want the run %q", cell, href)
	}
}

// TestE2EMarkupIsText: the script in a page's title is shown as text and
// never runs.
func TestE2EMarkupIsText(t *testing.T) {
	shared.Need(t)
	s := newServer(t, Options{})
	base := serve(t, s)
	ctx := tab(t, fmt.Sprintf("%s/runs/%d", base, failRun), time.Minute)
	if err := chromedp.Do(ctx, chromedp.WaitVisible(chromedp.CSS("article.step"))); err != nil {
		t.Fatal(err)
	}
	title := eval[string](t, ctx, `document.querySelector("#step-1 .facts dd").textContent`)
	if !strings.Contains(title, "<script>window.pwned = 1</script>") {
		t.Errorf("the page title is shown as %q", title)
	}
	if eval[bool](t, ctx, `window.pwned !== undefined || document.querySelectorAll('img[src="x"], .facts script, .log script').length > 0`) {
		t.Errorf("markup from the page under test became elements or ran")
	}
	// The failure is at the top.
	banner := eval[string](t, ctx, `document.querySelector(".banner-failure").textContent`)
	if !strings.Contains(banner, "failed at step 2") || !strings.Contains(banner, "This text is not on the page") {
		t.Errorf("failure banner %q", banner)
	}
}

// TestE2ELayout opens every page at 390, 768 and 1366 px: none scrolls
// sideways (wide tables scroll in their own box), nothing in the header
// or in a table's header overlaps, the navigation collapses into a menu on
// narrow screens, and the run page's storyboard stacks. With -update it
// writes their screenshots to testdata/screens (NAME.png at 1366 px,
// NAME-768.png and NAME-390.png).
func TestE2ELayout(t *testing.T) {
	shared.Need(t)
	s := newServer(t, Options{Starter: starter, Packer: testPacker{}, BaseURL: siteURL, Version: "test", Reviewer: "tester", ReviewerSource: "given with --by"})
	base := serve(t, s)
	locked := newServer(t, Options{Token: "a-token-long-enough-1234", Version: "test"})
	lockedBase := serve(t, locked)
	inv, err := s.Start(StartRequest{Journeys: []string{"quick"}, Release: "layout"})
	if err != nil {
		t.Fatal(err)
	}
	for deadline := time.Now().Add(3 * time.Minute); ; time.Sleep(200 * time.Millisecond) {
		if v, err := s.Invocation(inv.ID); err != nil || v.Done() || time.Now().After(deadline) {
			break
		}
	}
	pages := []struct{ name, url string }{
		{"coverage", base + "/?release=" + release},
		{"run", fmt.Sprintf("%s/runs/%d", base, passRun)},
		{"run-failed", fmt.Sprintf("%s/runs/%d", base, failRun)},
		{"step", fmt.Sprintf("%s/runs/%d/steps/2", base, passRun)},
		{"runs", base + "/runs"},
		{"start", base + "/start"},
		{"invocation", fmt.Sprintf("%s/invocations/%d", base, inv.ID)},
		{"journeys", base + "/journeys"},
		{"compare-runs", fmt.Sprintf("%s/compare?baseRun=%d&headRun=%d", base, passRun, failRun)},
		{"login", lockedBase + "/login"},
		{"error", base + "/nothing-here"},
	}
	for _, width := range []int64{390, 768, 1366} {
		for _, p := range pages {
			t.Run(fmt.Sprintf("%s-%d", p.name, width), func(t *testing.T) {
				ctx := tabAt(t, width, 900, p.url, time.Minute)
				eval[bool](t, ctx, `(() => { for (const i of document.images) i.loading = "eager"; return true })()`)
				waitFor(t, ctx, `document.readyState === "complete" && Array.from(document.images).every(i => i.complete) &&
					Array.from(document.querySelectorAll("video")).every(v => v.readyState >= 2)`, 30*time.Second)
				if w := eval[int](t, ctx, `document.documentElement.scrollWidth - window.innerWidth`); w != 0 {
					t.Errorf("the page is %d px wider than the %d px window: %s", w, width, eval[string](t, ctx, `Array.from(document.querySelectorAll("body *")).filter(e => e.getBoundingClientRect().right > window.innerWidth + 1 && !e.closest(".table-scroll, .matrix-wrap, .queue")).slice(0, 4).map(e => e.tagName + "." + e.className + " right " + Math.round(e.getBoundingClientRect().right)).join("; ")`))
				}
				if o := eval[string](t, ctx, overlapJS); o != "" {
					t.Errorf("overlap at %d px: %s", width, o)
				}
				menu := eval[bool](t, ctx, `getComputedStyle(document.querySelector(".nav-button")).display !== "none"`)
				if menu != (width < 860) {
					t.Errorf("at %d px the menu button is shown: %v", width, menu)
				}
				if menu {
					// The menu opens and its links do not overlap.
					if err := chromedp.Do(ctx, chromedp.Click(chromedp.CSS(".nav-button"))); err != nil {
						t.Fatal(err)
					}
					if n := eval[int](t, ctx, `Array.from(document.querySelectorAll(".nav a")).filter(a => a.getClientRects().length).length`); n < 4 {
						t.Errorf("the opened menu shows %d links", n)
					}
					if o := eval[string](t, ctx, overlapJS); o != "" {
						t.Errorf("overlap with the menu open at %d px: %s", width, o)
					}
					if err := chromedp.Do(ctx, chromedp.Click(chromedp.CSS(".nav-button"))); err != nil {
						t.Fatal(err)
					}
				}
				if p.name == "run" && width < 860 {
					if !eval[bool](t, ctx, `(() => { const s = document.querySelector("#step-1 .shot").getBoundingClientRect(), d = document.querySelector("#step-1 .details").getBoundingClientRect(); return d.top >= s.bottom - 1; })()`) {
						t.Errorf("the storyboard does not stack at %d px: the details are beside the screenshot", width)
					}
				}
				if *update {
					name := p.name
					if width != 1366 {
						name += fmt.Sprintf("-%d", width)
					}
					writeScreen(t, ctx, name)
				}
			})
		}
	}
}

// overlapJS finds overlapping boxes in the page header (brand, menu
// button, links, log out) and among the header cells of each table, and
// header cells whose text overflows them; it returns "" when none.
const overlapJS = `(() => {
	const shown = (el) => el.getClientRects().length > 0 && getComputedStyle(el).visibility !== "hidden";
	const hit = (a, b) => {
		const r = a.getBoundingClientRect(), s = b.getBoundingClientRect();
		return Math.min(r.right, s.right) - Math.max(r.left, s.left) > 1 && Math.min(r.bottom, s.bottom) - Math.max(r.top, s.top) > 1;
	};
	const name = (el) => el.tagName.toLowerCase() + (el.className ? "." + String(el.className).split(" ")[0] : "") + " " + JSON.stringify(el.textContent.trim().slice(0, 20));
	const groups = [Array.from(document.querySelectorAll(".top .brand, .top .nav-button, .top .nav a, .top .logout")).filter(shown)];
	for (const row of document.querySelectorAll("thead tr")) groups.push(Array.from(row.children).filter(shown));
	for (const g of groups) for (let i = 0; i < g.length; i++) for (let j = i + 1; j < g.length; j++) if (hit(g[i], g[j])) return name(g[i]) + " overlaps " + name(g[j]);
	for (const th of document.querySelectorAll("thead th")) if (shown(th) && th.scrollWidth > th.clientWidth + 1) return name(th) + " overflows its cell";
	return "";
})()`

// writeScreen writes a full-page screenshot of the tab to
// testdata/screens/NAME.png.
func writeScreen(t *testing.T, ctx context.Context, name string) {
	t.Helper()
	png, err := chromedp.Run(ctx, chromedp.FullScreenshot(100))
	if err != nil {
		t.Fatal(err)
	}
	if err := os.MkdirAll(screensDir, 0o755); err != nil {
		t.Fatal(err)
	}
	if err := os.WriteFile(filepath.Join(screensDir, name+".png"), png, 0o644); err != nil {
		t.Fatal(err)
	}
}

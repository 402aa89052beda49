package web

import (
	"context"
	"fmt"
	"net/http/httptest"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/chromedp/chromedp"

	"journeyproof/journeys"
	"journeyproof/journeys/sandbox"
	"journeyproof/recordings"
)

// reviewRelease is the head release of the review tests: login/en/desktop
// run against the sandbox without its wrong-label defect, so that against
// release t1 its first two screens changed (label text, findings resolved)
// and the xss cell is removed.
const reviewRelease = "rv"

var reviewOnce sync.Once

// runReviewRelease makes the runs of reviewRelease once per test binary.
func runReviewRelease(t *testing.T) {
	t.Helper()
	var err error
	reviewOnce.Do(func() {
		sb, e := sandbox.New(sandbox.Options{})
		if e != nil {
			err = e
			return
		}
		site := httptest.NewServer(sb)
		defer site.Close()
		cells, e := journeys.Expand([]*journeys.Journey{journey("login")}, []string{"en"}, []string{"desktop"})
		if e == nil { // the main path, as in the base release
			cells, e = journeys.NarrowBranches(cells, []string{journeys.MainBranch})
		}
		if e != nil {
			err = e
			return
		}
		ctx, cancel := context.WithTimeout(context.Background(), 3*time.Minute)
		defer cancel()
		_, err = starter.Run(ctx, reviewRelease, site.URL, cells, nil)
	})
	if err != nil {
		t.Fatal(err)
	}
	if ok, _ := store.HasRelease(reviewRelease); !ok {
		t.Fatalf("release %s has no runs", reviewRelease)
	}
}

// key presses a key on the page as a person does (keydown, char, keyup).
func key(t *testing.T, ctx context.Context, k string) {
	t.Helper()
	if err := chromedp.Do(ctx, chromedp.KeyEvent(k)); err != nil {
		t.Fatalf("press %s: %v", k, err)
	}
}

// queueState is the review queue as the page shows it.
type queueState struct {
	Current    int      `json:"current"`
	Decisions  []string `json:"decisions"`
	Unreviewed string   `json:"unreviewed"`
	Visible    int      `json:"visible"`
	Confirm    bool     `json:"confirm"`
}

func readQueue(t *testing.T, ctx context.Context) queueState {
	t.Helper()
	return eval[queueState](t, ctx, `(() => {
		const items = Array.from(document.querySelectorAll("#queue .q-item"));
		const cur = items.findIndex((li) => li.classList.contains("q-current"));
		const vis = Array.from(document.querySelectorAll("#report .cmp-step, #report .cmp-run")).filter((el) => el.getClientRects().length > 0 && el.classList.contains("cmp-step")).length;
		const confirm = document.querySelector("#approve-confirm");
		return { current: cur + 1, decisions: items.map((li) => li.dataset.decision || ""),
			unreviewed: document.querySelector('[data-count="unreviewed"]').textContent,
			visible: vis, confirm: !!confirm && !confirm.closest("label").hidden && confirm.required };
	})()`)
}

// TestE2EReviewQueue reviews a comparison as a reviewer does: one change at
// a time, by keyboard; approving is refused until every change is reviewed
// or the count is confirmed; the approval lands in the baseline's history
// with who and when, and the history rolls it back.
func TestE2EReviewQueue(t *testing.T) {
	shared.Need(t)
	runReviewRelease(t)
	clearBaselines(t)
	defer clearBaselines(t)
	if err := store.DB.Where("1 = 1").Delete(&recordings.Review{}).Error; err != nil {
		t.Fatal(err)
	}
	if err := store.DB.Where("1 = 1").Delete(&recordings.Approval{}).Error; err != nil {
		t.Fatal(err)
	}
	s := newServer(t, Options{Reviewer: "qa-alice", ReviewerSource: "given with --by"})
	base := serve(t, s)

	// The first baseline: nothing to compare with, so one click approves it.
	ctx := tab(t, base+"/compare?head="+release, 3*time.Minute)
	if err := chromedp.Do(ctx, chromedp.Click(chromedp.CSS(`section.empty form button[type="submit"]`)), chromedp.WaitVisible(chromedp.CSS(".banner"))); err != nil {
		t.Fatal(err)
	}
	if got, _ := store.BaselineFor("login"); got != release {
		t.Fatalf("baseline of login after the first approval: %q", got)
	}

	// The head against the baseline: a queue of changes, one shown at a time.
	navigate(t, ctx, base+"/compare?head="+reviewRelease)
	waitFor(t, ctx, `document.body.classList.contains("js-review")`, 10*time.Second)
	q := readQueue(t, ctx)
	n := len(q.Decisions)
	if n < 2 {
		t.Fatalf("the queue has %d changes, want the changed login screens and the removed xss cell", n)
	}
	if q.Current != 1 || q.Visible != 1 || !q.Confirm || q.Unreviewed != fmt.Sprint(n) {
		t.Fatalf("queue on opening: %+v, want change 1 of %d current, one screen shown, approval needing confirmation", q, n)
	}
	if !strings.Contains(eval[string](t, ctx, `document.querySelector(".reviewer").textContent`), "qa-alice") {
		t.Errorf("the page does not say who decisions are recorded as")
	}

	// Approving now is refused: the browser wants the confirmation ticked,
	// and the server refuses a form without it.
	if err := chromedp.Do(ctx, chromedp.Click(chromedp.CSS(`#approve button[type="submit"]`))); err != nil {
		t.Fatal(err)
	}
	time.Sleep(500 * time.Millisecond)
	if loc, _ := chromedp.Run(ctx, chromedp.Location()); !strings.Contains(loc, "head="+reviewRelease) || strings.Contains(loc, "approved=") {
		t.Fatalf("clicking approve with unreviewed changes went to %s", loc)
	}
	status, err := chromedp.Run(ctx, chromedp.Evaluate[int](`(async () => {
		const f = document.querySelector("#approve");
		const body = new URLSearchParams(new FormData(f)); body.delete("confirm");
		return (await fetch("/compare/baseline", { method: "POST", body })).status;
	})()`, chromedp.EvalAwaitPromise))
	if err != nil {
		t.Fatal(err)
	}
	if status != 409 {
		t.Errorf("approve without the confirmation: status %d, want 409", status)
	}
	if got, _ := store.BaselineFor("login"); got != release {
		t.Fatalf("baseline of login changed to %q while changes were unreviewed", got)
	}

	// a accepts the current change and moves on; k goes back; r rejects.
	key(t, ctx, "a")
	waitFor(t, ctx, `document.querySelector("#queue .q-item").dataset.decision === "accepted"`, 10*time.Second)
	if q = readQueue(t, ctx); q.Current != 2 {
		t.Fatalf("after accepting change 1 the current change is %d, want 2", q.Current)
	}
	key(t, ctx, "k")
	if q = readQueue(t, ctx); q.Current != 1 {
		t.Fatalf("after k the current change is %d, want 1", q.Current)
	}
	key(t, ctx, "r")
	waitFor(t, ctx, `document.querySelector("#queue .q-item").dataset.decision === "rejected"`, 10*time.Second)
	// j moves forward without deciding.
	key(t, ctx, "k")
	key(t, ctx, "j")
	if q = readQueue(t, ctx); q.Current != 2 || q.Decisions[1] != "" {
		t.Fatalf("after k j: %+v", q)
	}
	// Accept the rest by keyboard.
	for i := 2; i <= n; i++ {
		key(t, ctx, "a")
		waitFor(t, ctx, fmt.Sprintf(`document.querySelectorAll("#queue .q-item")[%d].dataset.decision === "accepted"`, i-1), 10*time.Second)
	}
	q = readQueue(t, ctx)
	if q.Unreviewed != "0" || q.Decisions[0] != "rejected" || !q.Confirm {
		t.Fatalf("after accepting the rest: %+v, want change 1 rejected and approval still needing confirmation", q)
	}
	// The decisions are stored with who made them: reload and read them.
	if err := chromedp.Do(ctx, chromedp.Reload()); err != nil {
		t.Fatal(err)
	}
	waitFor(t, ctx, `document.body.classList.contains("js-review")`, 10*time.Second)
	if q = readQueue(t, ctx); q.Decisions[0] != "rejected" || q.Decisions[n-1] != "accepted" {
		t.Fatalf("after a reload the decisions are %v", q.Decisions)
	}
	if txt := eval[string](t, ctx, `document.querySelector("#queue .q-item [data-decision-text]").textContent`); !strings.Contains(txt, "rejected by qa-alice") {
		t.Errorf("change 1 says %q", txt)
	}
	// Accept change 1 after all, with the button and a note.
	if err := chromedp.Do(ctx,
		chromedp.Click(chromedp.CSS(`#queue .q-item:first-child .q-link`)),
		chromedp.SendKeys(chromedp.CSS("#review-note"), "label fixed on purpose"),
		chromedp.Click(chromedp.CSS(`#review-bar [data-decide="accepted"]`)),
	); err != nil {
		t.Fatal(err)
	}
	waitFor(t, ctx, `document.querySelector("#queue .q-item").dataset.decision === "accepted"`, 10*time.Second)
	if q = readQueue(t, ctx); q.Confirm {
		t.Fatalf("every change accepted, yet the approval still asks for a confirmation: %+v", q)
	}
	var rs []recordings.Review
	store.DB.Order("id").Find(&rs)
	if len(rs) != n+2 || rs[len(rs)-1].By != "qa-alice" || rs[len(rs)-1].Note != "label fixed on purpose" || rs[len(rs)-1].Decision != "accepted" {
		t.Fatalf("stored reviews: %d (want %d), last %+v", len(rs), n+2, rs[len(rs)-1])
	}

	// Approve: the baseline moves and the history says who and what.
	if err := chromedp.Do(ctx,
		chromedp.SendKeys(chromedp.CSS(`#approve input[name="note"]`), "release 2 signed off"),
		chromedp.Click(chromedp.CSS(`#approve button[type="submit"]`)),
	); err != nil {
		t.Fatal(err)
	}
	waitFor(t, ctx, `location.search.includes("approved=") && document.readyState === "complete"`, 30*time.Second)
	if got, _ := store.BaselineFor("login"); got != reviewRelease {
		t.Fatalf("baseline of login after approving: %q", got)
	}
	row := eval[string](t, ctx, `document.querySelector("#history tbody tr").textContent`)
	for _, want := range []string{"login", reviewRelease, "qa-alice", "release 2 signed off", fmt.Sprintf("%d changes, %d accepted, 0 rejected", n-1, n-1)} {
		if !strings.Contains(row, want) {
			t.Errorf("the newest history row %q lacks %q", strings.Join(strings.Fields(row), " "), want)
		}
	}
	if !eval[bool](t, ctx, `/^\d{4}-\d\d-\d\d \d\d:\d\d \S+/.test(document.querySelector("#history tbody tr time").textContent) && document.querySelector("#history tbody tr time").dataset.localised === "true"`) {
		t.Errorf("the approval time is not shown in the viewer's zone: %q", eval[string](t, ctx, `document.querySelector("#history tbody tr time").textContent`))
	}

	// Roll back login to the first approval.
	sel := `#history tr[data-journey="login"] form button`
	if err := chromedp.Do(ctx, chromedp.Click(chromedp.CSS(sel))); err != nil {
		t.Fatal(err)
	}
	waitFor(t, ctx, `location.search.includes("rolledBack") && document.readyState === "complete"`, 20*time.Second)
	if got, _ := store.BaselineFor("login"); got != release {
		t.Fatalf("baseline of login after the roll back: %q, want %q", got, release)
	}
	row = eval[string](t, ctx, `document.querySelector("#history tbody tr").textContent`)
	if !strings.Contains(row, "roll back") || !strings.Contains(row, "qa-alice") || !strings.Contains(row, release) {
		t.Errorf("history after the roll back: %q", strings.Join(strings.Fields(row), " "))
	}
	hist, _ := store.Approvals("login")
	if len(hist) != 3 || hist[0].Action != recordings.ActionRollback || hist[0].Previous != reviewRelease || hist[1].Release != reviewRelease {
		t.Errorf("login's history: %+v", hist)
	}
	if *update {
		navigate(t, ctx, base+"/compare?head="+reviewRelease+"&base="+release)
		writeScreen(t, ctx, "compare")
	}
}

// TestE2EStickyVideo: on the run page the video stays in view while the
// storyboard scrolls. After scrolling to the last step and clicking its
// play button, the video is inside the viewport, plays from that step's
// chapter, and the step is highlighted — on a laptop and on a phone.
// The same holds on a run with a phone recording attached, whose player
// is in view beside the video without covering it, and a chapter clicked
// after scrolling seeks the video.
func TestE2EStickyVideo(t *testing.T) {
	shared.Need(t)
	s := newServer(t, Options{})
	base := serve(t, s)
	withPhone, _ := phoneRun(t)
	for _, run := range []struct {
		name  string
		id    uint
		phone bool
	}{{"browser video", passRun, false}, {"with a phone recording", withPhone, true}} {
		v, err := s.Run(run.id)
		if err != nil {
			t.Fatal(err)
		}
		if v.Video == nil {
			t.Fatalf("run %d has no video", run.id)
		}
		last := v.Video.Chapters[len(v.Video.Chapters)-1]
		for _, size := range [][2]int64{{1366, 768}, {390, 844}} {
			t.Run(fmt.Sprintf("%s/%d", run.name, size[0]), func(t *testing.T) {
				ctx := tabAt(t, size[0], size[1], fmt.Sprintf("%s/runs/%d", base, run.id), time.Minute)
				waitFor(t, ctx, `document.querySelector("#video").readyState >= 1`, 30*time.Second)
				eval[bool](t, ctx, `(() => { document.querySelector("#video").muted = true; window.scrollTo(0, document.documentElement.scrollHeight); return true })()`)
				sel := fmt.Sprintf(`#step-%d .seek`, last.Step)
				if !eval[bool](t, ctx, fmt.Sprintf(`(() => { const r = document.querySelector(%q).getBoundingClientRect(); return r.top >= 0 && r.bottom <= innerHeight; })()`, sel)) {
					t.Fatalf("after scrolling to the end the last step's play button is not on screen")
				}
				if err := chromedp.Do(ctx, chromedp.Click(chromedp.CSS(sel))); err != nil {
					t.Fatal(err)
				}
				waitFor(t, ctx, fmt.Sprintf(`(t => t >= %f - 0.05 && t <= %f + 0.1)(document.querySelector("#video").currentTime)`, last.Start, last.End), 10*time.Second)
				waitFor(t, ctx, fmt.Sprintf(`document.querySelector("#step-%d").classList.contains("current")`, last.Step), 10*time.Second)
				inView := func(what, sel string, minHeight float64) []float64 {
					box := eval[[]float64](t, ctx, fmt.Sprintf(`(() => { const r = document.querySelector(%q).getBoundingClientRect(); return [r.top, r.bottom, r.left, r.right, innerHeight, innerWidth, r.height]; })()`, sel))
					if box[0] < -1 || box[1] > box[4]+1 || box[2] < -1 || box[3] > box[5]+1 || box[6] < minHeight {
						t.Errorf("the %s is at top %.0f bottom %.0f left %.0f right %.0f (height %.0f) in a %.0fx%.0f viewport: not in view", what, box[0], box[1], box[2], box[3], box[6], box[5], box[4])
					}
					return box
				}
				video := inView("video", "#video", 100)
				if run.phone {
					// The phone recording is in the same sticky block, in
					// view beside or under the browser's video, not over it.
					phone := inView("phone recording", "#phone-video video", 100)
					if phone[0] < video[1]-1 && phone[2] < video[3]-1 {
						t.Errorf("the phone recording (top %.0f left %.0f) overlaps the video (bottom %.0f right %.0f)", phone[0], phone[2], video[1], video[3])
					}
					if size[0] > 1100 {
						// Scrolled to the end, a chapter still seeks the
						// sticky video.
						mid := v.Video.Chapters[len(v.Video.Chapters)/2]
						if err := chromedp.Do(ctx, chromedp.Click(chromedp.CSS(fmt.Sprintf(`.chapters button[data-step="%d"]`, mid.Step)))); err != nil {
							t.Fatal(err)
						}
						waitFor(t, ctx, fmt.Sprintf(`(t => t > %f - 0.05 && t < %f + 0.6)(document.querySelector("#video").currentTime)`, mid.Start, mid.Start), 10*time.Second)
						waitFor(t, ctx, fmt.Sprintf(`document.querySelector("#step-%d").classList.contains("current")`, mid.Step), 10*time.Second)
						inView("video after the chapter's seek", "#video", 100)
					}
				}
				if w := eval[int](t, ctx, `document.documentElement.scrollWidth - innerWidth`); w != 0 {
					t.Errorf("the run page is %d px wider than the viewport", w)
				}
			})
		}
	}
}

// TestE2EStartSeveralAndLiveCoverage starts two journeys in one go from the
// start form, and the open coverage page of their release follows the runs
// without reloading.
func TestE2EStartSeveralAndLiveCoverage(t *testing.T) {
	shared.Need(t)
	s := newServer(t, Options{Starter: starter, BaseURL: siteURL})
	base := serve(t, s)
	const rel = "live"
	first, err := s.Start(StartRequest{Journeys: []string{"quick"}, Release: rel})
	if err != nil {
		t.Fatal(err)
	}
	for deadline := time.Now().Add(3 * time.Minute); ; time.Sleep(200 * time.Millisecond) {
		v, err := s.Invocation(first.ID)
		if err != nil || time.Now().After(deadline) {
			t.Fatalf("the first run did not end: %v", err)
		}
		if v.Done() {
			break
		}
	}
	cov := tab(t, base+"/?release="+rel, 4*time.Minute)
	waitFor(t, cov, `document.querySelector("#coverage-live.on") !== null`, 10*time.Second)
	eval[bool](t, cov, `(() => { window.notReloaded = true; return true })()`)
	if !eval[bool](t, cov, `document.querySelector('td[data-journey="xss"][data-lang="en"][data-device="desktop"].state-missing') !== null`) {
		t.Fatalf("the xss cell of %s is not missing before its run", rel)
	}

	// The start form: choose two journeys.
	form := tab(t, base+"/start", 4*time.Minute)
	eval[bool](t, form, `(() => { const j = document.querySelector("#journey");
		for (const o of j.options) o.selected = o.value === "quick" || o.value === "xss";
		j.dispatchEvent(new Event("change")); return true })()`)
	if err := chromedp.Do(form,
		chromedp.SetValue(chromedp.CSS("#release"), rel),
		chromedp.Click(chromedp.CSS(`#start-form button[type="submit"]`)),
		chromedp.WaitVisible(chromedp.CSS("#invocation")),
	); err != nil {
		t.Fatal(err)
	}
	cells := eval[[]string](t, form, `Array.from(document.querySelectorAll("tr[data-cell]")).map(r => r.dataset.cell)`)
	if strings.Join(cells, " ") != "quick/en/desktop xss/en/desktop" {
		t.Fatalf("the invocation runs %v, want quick and xss on en/desktop", cells)
	}
	if h1 := eval[string](t, form, `document.querySelector("h1").textContent`); !strings.Contains(h1, "2 journeys: quick, xss") {
		t.Errorf("the invocation's title is %q", h1)
	}
	// The coverage page updates in place while they run.
	waitFor(t, cov, `document.querySelector('td[data-journey="xss"][data-lang="en"][data-device="desktop"].state-failed') !== null`, 3*time.Minute)
	if !eval[bool](t, cov, `window.notReloaded === true && Number(document.querySelector("#coverage-live").dataset.updates) >= 1`) {
		t.Errorf("the coverage page reloaded instead of updating in place")
	}
	if n := eval[string](t, cov, `document.querySelector('td[data-journey="quick"][data-lang="en"][data-device="desktop"] .reruns').textContent`); !strings.Contains(n, "latest of 2 runs") {
		t.Errorf("the quick cell says %q after its second run", n)
	}
}

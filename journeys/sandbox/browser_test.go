package sandbox

import (
	"bytes"
	"context"
	"encoding/json"
	"flag"
	"fmt"
	"image"
	"net/http"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/chromedp/cdproto/emulation"
	"github.com/chromedp/chromedp"

	"journeyproof/internal/browsertest"
	"journeyproof/journeys/chrome"
)

// screenshotsDir keeps the screenshots of TestScreenshots for a person to look
// at: go test -run TestScreenshots -screenshots DIR
var screenshotsDir = flag.String("screenshots", "", "directory for the screenshots of TestScreenshots (default: a temporary one)")

// chromium is the browser the tests of this package share, started by the
// first test that needs it (shared.Need).
var (
	chromium context.Context
	shared   = browsertest.Shared{Setup: startChromium}
)

func TestMain(m *testing.M) {
	flag.Parse()
	browsertest.Run(m, &shared)
}

// startChromium starts the package's browser, as journeyproof starts it.
func startChromium() (func(), error) {
	b, err := chrome.StartBrowser(context.Background(), chrome.BrowserOptions{})
	if err != nil {
		return nil, err
	}
	chromium = b.Context()
	return b.Close, nil
}

// device is a browser profile of the tests, like journeyproof's built-in ones.
type device struct {
	name          string
	width, height int64
	scale         float64
	ua            string
}

var (
	desktop = device{"desktop", 1366, 768, 1, uaDesktop}
	mobile  = device{"mobile", 390, 844, 3, uaIPhone}
)

// newTab opens a tab with its own cookies, emulating dev. It is closed when the
// test ends, or when budget has passed (the guard against a hung browser).
func newTab(t *testing.T, dev device, budget time.Duration) context.Context {
	t.Helper()
	shared.Need(t)
	ctx, cancel := chromedp.NewContext(chromium, chromedp.WithNewBrowserContext())
	ctx, cancelTimeout := context.WithTimeout(ctx, budget)
	t.Cleanup(func() { cancelTimeout(); cancel() })
	emulate := func(ctx context.Context, tg *chromedp.Target) (chromedp.Void, error) {
		opts := []chromedp.EmulateViewportOption{chromedp.EmulateScale(dev.scale)}
		if dev.name == "mobile" {
			opts = append(opts, chromedp.EmulateMobile, chromedp.EmulateTouch)
		}
		if _, err := chromedp.EmulateViewport(dev.width, dev.height, opts...)(ctx, tg); err != nil {
			return chromedp.Void{}, err
		}
		_, err := chromedp.Call(ctx, emulation.SetUserAgentOverride, emulation.SetUserAgentOverrideParams{UserAgent: dev.ua})
		return chromedp.Void{}, err
	}
	if err := chromedp.Do(ctx, emulate); err != nil {
		t.Fatalf("open a %s tab: %v", dev.name, err)
	}
	return ctx
}

// symptoms is a page function that reports, for each defect that changes a
// page, whether the page shows it. It gets the entry's selector and the
// approved labels of the entry's process by language.
const symptoms = `(sel, approved, lang) => {
  const e = document.querySelector(sel);
  const mobile = window.innerWidth < 600;
  const visible = el => { const r = el.getBoundingClientRect(); const s = getComputedStyle(el);
    return r.width > 0 && r.height > 0 && s.visibility !== "hidden" && s.display !== "none"; };
  const label = e ? e.innerText.replace(/\s+/g, " ").trim() : "";
  const otherLang = Object.keys(approved).filter(l => l !== lang && !approved[lang].includes(label)).some(l => approved[l].includes(label));
  const signIn = [...document.querySelectorAll("a, button")].filter(x => x !== e && visible(x) && /log\s*in|login|sign\s*in|登入|登录|登錄/i.test(x.innerText));
  const area = el => { const r = el.getBoundingClientRect(); return r.width * r.height; };
  const font = el => parseFloat(getComputedStyle(el).fontSize);
  let covered = false;
  if (e) {
    e.scrollIntoView({block: "center"});
    const r = e.getBoundingClientRect();
    const hit = document.elementFromPoint(r.x + r.width / 2, r.y + r.height / 2);
    covered = !e.contains(hit);
    window.scrollTo(0, 0);
  }
  const img = e && e.querySelector("img");
  let stretched = false;
  if (img) { const r = img.getBoundingClientRect(); stretched = Math.abs((r.width / r.height) / (img.naturalWidth / img.naturalHeight) - 1) > 0.03; }
  const ink = el => getComputedStyle(el).color;
  return {
    "small-button": !!e && (e.getBoundingClientRect().height < (mobile ? 44 : 40) || e.getBoundingClientRect().width < (mobile ? 44 : 160)),
    "wrong-label": !!e && !Object.values(approved).some(ls => ls.includes(label)),
    "brand-spelling": /iAm Smart/.test(document.body.innerText),
    "no-logo": !!e && !img,
    "stretched-logo": stretched,
    "covered-button": covered,
    "not-prominent": !!e && signIn.some(o => area(o) * 0.9 > area(e) || font(o) > font(e)),
    "wrong-lang-label": !!e && otherLang,
    "no-more-info": !!e && !document.querySelector("#iamsmart-info"),
    "low-contrast": [...document.querySelectorAll("main p")].some(p => ink(p) === "rgb(176, 176, 176)"),
    "unnamed-button": [...document.querySelectorAll("button, a")].some(b => visible(b) && !b.innerText.trim() && !b.getAttribute("aria-label") && !b.title),
    "label-not-in-name": [...document.querySelectorAll("a[aria-label], button[aria-label]")].some(a => a.innerText.trim() && !a.getAttribute("aria-label").includes(a.innerText.trim())),
    "tiny-target": [...document.querySelectorAll("button, a, input")].some(b => visible(b) && (b.getBoundingClientRect().width < 24 || b.getBoundingClientRect().height < 24)),
    "unlabelled-field": [...document.querySelectorAll("input")].some(i => visible(i) && i.labels.length === 0 && !i.getAttribute("aria-label") && !i.getAttribute("aria-labelledby") && !i.title),
    "missing-alt": [...document.images].some(i => !i.hasAttribute("alt")),
    "no-entry": !e,
  };
}`

// entryPages are the pages with an iAM Smart entry.
var entryPages = []struct{ path, entry, process string }{
	{"/login", "#iamsmart-login", "login"},
	{"/form", "#iamsmart-fill", "form"},
	{"/sign", "#iamsmart-sign", "sign"},
}

// readSymptoms loads a page (unless url is "") and evaluates symptoms on it.
func readSymptoms(t *testing.T, ctx context.Context, url, entrySel, process, lang string) map[string]bool {
	t.Helper()
	approved := map[string][]string{}
	for _, l := range pageLangs {
		approved[l] = []string{texts[l]["label_"+process]}
	}
	args, _ := json.Marshal([]any{entrySel, approved, lang})
	js := "(" + symptoms + ")(..." + string(args) + ")"
	if url != "" {
		if err := chromedp.Do(ctx, chromedp.Navigate(url)); err != nil {
			t.Fatalf("open %s: %v", url, err)
		}
	}
	got, err := chromedp.Run(ctx, chromedp.Evaluate[map[string]bool](js))
	if err != nil {
		t.Fatalf("%s: %v", url, err)
	}
	return got
}

// TestPageDefects checks, in a real browser, that each defect shows on every
// page with an entry, on desktop and mobile (the languages take turns), and
// that a page shows no other symptom. TestScreenshots checks that the pages
// with no defect show no symptom, in every language.
func TestPageDefects(t *testing.T) {
	ts := newSandbox(t)
	var defects []string
	for _, d := range Defects() {
		if !strings.HasPrefix(d.Name, "redirect-") {
			defects = append(defects, d.Name)
		}
	}
	for _, dev := range []device{desktop, mobile} {
		t.Run(dev.name, func(t *testing.T) {
			t.Parallel()
			// About 60 pages in one tab: the budget only stops a hung
			// browser; a loaded machine takes more than a second a page.
			ctx := newTab(t, dev, 10*time.Minute)
			for i, name := range defects {
				for j, p := range entryPages {
					// Every page with every defect; the languages take turns.
					lang := pageLangs[(i+j)%len(pageLangs)]
					got := readSymptoms(t, ctx, ts.URL+p.path+"?lang="+lang+"&defects="+name, p.entry, p.process, lang)
					for s, on := range got {
						if on != (s == name) {
							t.Errorf("%s %s %s with %s: symptom %s = %v", dev.name, lang, p.path, name, s, on)
						}
					}
				}
			}
		})
	}
}

// TestJourneysInBrowser drives the simulator's own script: the entry click,
// the polling and the navigation to the outcome, with the phone side deciding.
func TestJourneysInBrowser(t *testing.T) {
	ts := newSandbox(t)
	tests := []struct {
		name             string
		dev              device
		start, entry     string
		waitSim          string
		action           string
		wantPath, wantEl string
	}{
		{"desktop login approve", desktop, "/login?lang=en", "#iamsmart-login", "#qr-code", "approve", "/account", "#welcome"},
		{"mobile form deny covered", mobile, "/form?lang=zh-HK&defects=covered-button", "#iamsmart-fill", "#open-app", "deny", "/form", "#error"},
		{"mobile sign approve", mobile, "/sign?lang=zh-CN", "#iamsmart-sign", "#open-app", "approve", "/sign/done", "#signed"},
		{"desktop form timeout", desktop, "/form?lang=en&defects=", "#iamsmart-fill", "#qr-code", "timeout", "/form", "#error"},
		{"desktop form approve", desktop, "/form?lang=zh-CN", "#iamsmart-fill", "#qr-code", "approve", "/form", "#prefilled-notice"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			ctx := newTab(t, tt.dev, time.Minute)
			if err := chromedp.Do(ctx,
				chromedp.Navigate(ts.URL+tt.start),
				chromedp.Click(chromedp.CSS(tt.entry)),
				chromedp.WaitVisible(chromedp.CSS(tt.waitSim)),
			); err != nil {
				t.Fatalf("open the simulator: %v", err)
			}
			if tt.waitSim == "#qr-code" {
				w, err := chromedp.Run(ctx, chromedp.Poll[int](`document.querySelector("#qr-code").complete && document.querySelector("#qr-code").naturalWidth`))
				if err != nil || w != 256 {
					t.Errorf("QR code image: width %d, %v", w, err)
				}
			}
			phone, err := chromedp.Run(ctx, chromedp.Evaluate[string](`document.querySelector('meta[name="iamsmart-phone"]').content`))
			if err != nil {
				t.Fatal(err)
			}
			resp, err := http.Post(phone+"/"+tt.action, "", nil)
			if err != nil {
				t.Fatal(err)
			}
			resp.Body.Close()
			if resp.StatusCode != http.StatusNoContent {
				t.Fatalf("%s: %s", tt.action, resp.Status)
			}
			if err := chromedp.Do(ctx, chromedp.WaitVisible(chromedp.CSS(tt.wantEl))); err != nil {
				t.Fatalf("wait for %s: %v", tt.wantEl, err)
			}
			loc, err := chromedp.Run(ctx, chromedp.Location())
			if err != nil {
				t.Fatal(err)
			}
			if !strings.HasPrefix(loc, ts.URL+tt.wantPath) {
				t.Errorf("ended at %s, want %s", loc, tt.wantPath)
			}
			if tt.wantEl == "#prefilled-notice" {
				if v, _ := chromedp.Run(ctx, chromedp.Value(chromedp.CSS("#name"))); v != "CHAN Tai Man" {
					t.Errorf("#name = %q after form filling", v)
				}
			}
		})
	}
}

// TestScreenshots renders the entry pages and the simulator pages in every
// language on desktop and mobile and checks the layout holds: nothing wider
// than the viewport, no clipped text; the entry pages show no defect symptom. With -screenshots DIR it also saves a
// full-page screenshot of each for a person to look at (slow on a small
// machine, so only then).
func TestScreenshots(t *testing.T) {
	ts := newSandbox(t)
	dir := *screenshotsDir
	if dir != "" {
		if err := os.MkdirAll(dir, 0o755); err != nil {
			t.Fatal(err)
		}
		t.Logf("screenshots in %s", dir)
	}
	for _, dev := range []device{desktop, mobile} {
		t.Run(dev.name, func(t *testing.T) {
			t.Parallel()
			for _, lang := range pageLangs {
				ctx := newTab(t, dev, time.Minute)
				for _, p := range entryPages {
					shoot(t, ctx, dir, dev, lang, p.process, ts.URL+p.path+"?lang="+lang, p.entry)
					for s, on := range readSymptoms(t, ctx, "", p.entry, p.process, lang) {
						if on {
							t.Errorf("%s %s %s with no defect shows %s", dev.name, lang, p.path, s)
						}
					}
					// The entry leads to the simulator page of the process.
					if err := chromedp.Do(ctx, chromedp.Click(chromedp.CSS(p.entry)), chromedp.WaitReady(chromedp.CSS("body[data-iamsmart-request]"))); err != nil {
						t.Fatalf("%s %s: open the simulator: %v", dev.name, p.path, err)
					}
					shoot(t, ctx, dir, dev, lang, "simulator-"+p.process, "", "")
					phone, err := chromedp.Run(ctx, chromedp.Evaluate[string](`document.querySelector('meta[name="iamsmart-phone"]').content`))
					if err != nil {
						t.Fatal(err)
					}
					if dev.name == "mobile" { // the simulated phone is a phone
						shoot(t, ctx, dir, dev, lang, "phone-"+p.process, phone, "#approve")
					}
				}
			}
		})
	}
}

// shoot opens url (or stays on the page when url is ""), checks that nothing
// overflows the viewport's width and that the element sel (if any) is whole,
// and saves a full-page screenshot in dir (none when dir is "").
func shoot(t *testing.T, ctx context.Context, dir string, dev device, lang, name, url, sel string) {
	t.Helper()
	if url != "" {
		if err := chromedp.Do(ctx, chromedp.Navigate(url)); err != nil {
			t.Fatalf("open %s: %v", url, err)
		}
	}
	check := `(() => {
	  const problems = [];
	  if (document.documentElement.scrollWidth > window.innerWidth) problems.push("page is wider than the viewport: " + document.documentElement.scrollWidth);
	  for (const el of document.querySelectorAll("a, button, p, h1, h2, label, span")) {
	    if (el.scrollWidth > el.clientWidth + 1 && getComputedStyle(el).overflow !== "visible") problems.push("text clipped in " + el.outerHTML.slice(0, 60));
	  }
	  const sel = ` + fmt.Sprintf("%q", sel) + `;
	  if (sel) {
	    const e = document.querySelector(sel);
	    if (!e) problems.push("no " + sel);
	    else { const r = e.getBoundingClientRect(); if (r.left < 0 || r.right > window.innerWidth) problems.push(sel + " outside the viewport"); }
	  }
	  return problems;
	})()`
	problems, err := chromedp.Run(ctx, chromedp.Evaluate[[]string](check))
	if err != nil {
		t.Fatal(err)
	}
	for _, p := range problems {
		t.Errorf("%s %s %s: %s", dev.name, lang, name, p)
	}
	if dir == "" {
		return
	}
	png, err := chromedp.Run(ctx, chromedp.FullScreenshot(100))
	if err != nil {
		t.Fatalf("screenshot %s: %v", name, err)
	}
	img, _, err := image.Decode(bytes.NewReader(png))
	if err != nil {
		t.Fatalf("screenshot %s: %v", name, err)
	}
	if want := int(float64(dev.width) * dev.scale); img.Bounds().Dx() != want {
		t.Errorf("screenshot %s is %d px wide, want %d", name, img.Bounds().Dx(), want)
	}
	file := filepath.Join(dir, fmt.Sprintf("%s-%s-%s.png", name, lang, dev.name))
	if err := os.WriteFile(file, png, 0o644); err != nil {
		t.Fatal(err)
	}
}

package main

import (
	"context"
	"fmt"
	"math"
	"os"
	"regexp"
	"slices"
	"strings"
	"testing"
	"time"

	"journeyproof"
	"journeyproof/journeys"
	"journeyproof/journeys/sandbox"
	"journeyproof/verifier"
)

// corpusScope is the frame and shadow-host part of a corpus page's
// selectors: what its findings name in front of the static page's.
var corpusScope = regexp.MustCompile(`(?:(?:iframe#login|jp-app|jp-page) >> )+`)

// sameContent is a finding as the static page would report it: its
// selectors without the corpus's frame and shadow hosts.
// URLs of the cross-origin frame's resources are on the second loopback
// origin: they are the same content.
func sameContent(f journeyproof.Finding) string {
	msg := strings.ReplaceAll(corpusScope.ReplaceAllString(f.Message, ""), "//localhost:", "//127.0.0.1:")
	return fmt.Sprintf("%s %s %s: %s", f.Severity, f.Rule, corpusScope.ReplaceAllString(f.Selector, ""), msg)
}

// For every page of the sandbox's corpus (web components with open, closed
// and slotted content, same-origin and cross-origin iframes, a page that
// renders a second after load), `check` reports exactly the findings of
// the static page with the same content, at the same places: clean in all
// three languages on both devices, and with each defect the sandbox knows
// on one language and device each (taking turns).
// JOURNEYPROOF_CORPUS_KINDS narrows the kinds (comma-separated).
//
// The full matrix is 27 variants on 6 kinds (`make corpus`, or
// JOURNEYPROOF_CORPUS_FULL=1). By default the first clean variant is
// checked on every kind and every other variant on one kind, taking turns,
// and the redirect defects (the trigger request, sent from inside the
// frame) on both iframe kinds as well: 68 checks instead of 189.
func TestCorpusMatchesStatic(t *testing.T) {
	shared.Need(t)
	ctx := context.Background()
	pack := verifier.DefaultPack()
	pages := []struct{ name, path, process string }{
		{"login", "/login", journeyproof.ProcessAuthentication},
		{"form", "/form", journeyproof.ProcessFormFilling},
		{"sign", "/sign", journeyproof.ProcessSigning},
	}
	combos := []struct{ lang, device string }{{"en", "desktop"}, {"zh-HK", "mobile"}, {"zh-CN", "desktop"}, {"en", "mobile"}, {"zh-HK", "desktop"}, {"zh-CN", "mobile"}}
	kinds := sandbox.CorpusKinds()
	if only := os.Getenv("JOURNEYPROOF_CORPUS_KINDS"); only != "" {
		kinds = slices.DeleteFunc(kinds, func(k sandbox.CorpusKind) bool { return !slices.Contains(strings.Split(only, ","), k.Name) })
	}
	full := os.Getenv("JOURNEYPROOF_CORPUS_FULL") != "" || os.Getenv("JOURNEYPROOF_CORPUS_KINDS") != ""
	// kindsFor is the corpus kinds variant i is checked on.
	kindsFor := func(i int, defect string) []sandbox.CorpusKind {
		if full || i == 0 {
			return kinds
		}
		ks := []sandbox.CorpusKind{kinds[i%len(kinds)]}
		if strings.HasPrefix(defect, "redirect-") {
			for _, k := range kinds {
				if strings.HasPrefix(k.Name, "iframe") && k != ks[0] {
					ks = append(ks, k)
				}
			}
		}
		return ks
	}
	type variant struct {
		defect, page, lang, device string
	}
	var variants []variant
	for _, c := range combos {
		variants = append(variants, variant{"", "login", c.lang, c.device})
	}
	for di, d := range sandbox.Defects() {
		c := combos[di%len(combos)]
		variants = append(variants, variant{d.Name, pages[di%len(pages)].name, c.lang, c.device})
	}
	check := func(t *testing.T, target, process string, v variant) []journeyproof.Finding {
		timeout := 15 * time.Second
		if v.defect == "no-entry" {
			timeout = 10 * time.Second // the entry is waited for up to the timeout
		}
		fs, err := checkPage(ctx, site.Browser, pack, target, process, v.lang, v.device, true, timeout)
		if err != nil {
			t.Fatal(err)
		}
		return fs
	}
	for vi, v := range variants {
		pi := slices.IndexFunc(pages, func(p struct{ name, path, process string }) bool { return p.name == v.page })
		p := pages[pi]
		name := v.defect
		if name == "" {
			name = "clean"
		}
		t.Run(fmt.Sprintf("%s/%s/%s/%s", name, p.name, v.lang, v.device), func(t *testing.T) {
			t.Parallel()
			query := fmt.Sprintf("?lang=%s&defects=%s", v.lang, v.defect)
			static := check(t, site.URL+p.path+query, p.process, v)
			want := map[string]journeyproof.Finding{}
			var wantKeys []string
			for _, f := range static {
				want[sameContent(f)] = f
				wantKeys = append(wantKeys, sameContent(f))
			}
			slices.Sort(wantKeys)
			for _, k := range kindsFor(vi, v.defect) {
				t.Run(k.Name, func(t *testing.T) {
					got := check(t, site.URL+"/corpus/"+k.Name+"/"+p.name+query, p.process, v)
					var gotKeys []string
					for _, f := range got {
						key := sameContent(f)
						gotKeys = append(gotKeys, key)
						if w, ok := want[key]; ok && !sameBox(w.Box, f.Box) {
							t.Errorf("%s: box %+v, static page %+v", key, f.Box, w.Box)
						}
					}
					slices.Sort(gotKeys)
					if !slices.Equal(gotKeys, wantKeys) {
						t.Errorf("findings differ from the static page's\n got: %s\nwant: %s", strings.Join(gotKeys, "\n      "), strings.Join(wantKeys, "\n      "))
					}
				})
			}
		})
	}
}

func sameBox(a, b journeyproof.Box) bool {
	return math.Abs(a.X-b.X) <= 1 && math.Abs(a.Y-b.Y) <= 1 && math.Abs(a.W-b.W) <= 1 && math.Abs(a.H-b.H) <= 1
}

// The corpus's journeys log in through a web component (closed shadow
// roots) and through an iframe, their selectors reaching in with " >> ";
// both run green against the sandbox, on both devices.
func TestCorpusJourneys(t *testing.T) {
	shared.Need(t)
	var js []*journeys.Journey
	for _, f := range []string{"login-component.yaml", "login-iframe.yaml"} {
		j, err := journeys.LoadFile("../../journeys/sandbox/corpus/" + f)
		if err != nil {
			t.Fatal(err)
		}
		js = append(js, j)
	}
	results, _ := runJourneys(t, false, []string{"en", "zh-HK"}, js...)
	for _, res := range results {
		if res.Status != journeyproof.StatusPassed {
			t.Errorf("%s: %s %s", res.Cell, res.Status, res.Error)
		}
		if n := res.Findings["error"] + res.Findings["warning"]; n > 0 {
			t.Errorf("%s: %d findings on a clean sandbox", res.Cell, n)
		}
	}
}

// check --wait-for waits for a page that renders late, and the entry of a
// trigger page is waited for before it is reported absent.
func TestCheckWaitsForLatePage(t *testing.T) {
	shared.Need(t)
	pack := verifier.DefaultPack()
	ctx := context.Background()
	for _, waitFor := range []string{"#iamsmart-login", ""} {
		fs, err := checkPageWaiting(ctx, site.Browser, pack, site.URL+"/corpus/late/login?lang=en&defects=wrong-label", journeyproof.ProcessAuthentication, "en", "desktop", true, 15*time.Second, waitFor)
		if err != nil {
			t.Fatal(err)
		}
		if len(fs) != 1 || fs[0].Rule != "iamsmart.label.approved" {
			t.Errorf("--wait-for %q: findings %+v, want the one iamsmart.label.approved", waitFor, fs)
		}
	}
}

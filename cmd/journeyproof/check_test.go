package main

import (
	"context"
	"fmt"
	"sort"
	"strings"
	"testing"
	"time"

	"journeyproof"
	"journeyproof/journeys/sandbox"
	"journeyproof/verifier"
)

// `check` on each sandbox page with each defect switched on reports exactly
// the rule that the defect breaks, and nothing with no defect.
func TestCheckSandboxDefects(t *testing.T) {
	shared.Need(t)
	ctx := context.Background()
	pack := verifier.DefaultPack()

	pages := []struct{ path, process string }{
		{"/login", journeyproof.ProcessAuthentication},
		{"/form", journeyproof.ProcessFormFilling},
		{"/sign", journeyproof.ProcessSigning},
	}
	// Each page in turn on a language and device, so that every defect is
	// checked on all three pages, both devices and all three languages.
	combos := []struct{ lang, device string }{{"en", "desktop"}, {"zh-HK", "mobile"}, {"zh-CN", "desktop"}, {"en", "mobile"}, {"zh-HK", "desktop"}, {"zh-CN", "mobile"}}
	rulesOf := func(fs []journeyproof.Finding) []string {
		seen := map[string]bool{}
		var out []string
		for _, f := range fs {
			if !seen[f.Rule] {
				seen[f.Rule] = true
				out = append(out, f.Rule)
			}
		}
		sort.Strings(out)
		return out
	}
	defects := append([]sandbox.Defect{{Name: "", Rule: ""}}, sandbox.Defects()...)
	for di, d := range defects {
		for pi, p := range pages {
			c := combos[(di+pi)%len(combos)]
			name := fmt.Sprintf("%s%s/%s/%s", d.Name, p.path, c.lang, c.device)
			if d.Name == "" {
				name = "clean" + name
			}
			t.Run(name, func(t *testing.T) {
				t.Parallel()
				target := fmt.Sprintf("%s%s?lang=%s&defects=%s", site.URL, p.path, c.lang, d.Name)
				fs, err := checkPage(ctx, site.Browser, pack, target, p.process, c.lang, c.device, true, 20*time.Second)
				if err != nil {
					t.Fatal(err)
				}
				got := rulesOf(fs)
				want := []string{}
				if d.Rule != "" {
					want = []string{d.Rule}
				}
				if strings.Join(got, ",") != strings.Join(want, ",") {
					for _, f := range fs {
						t.Logf("%s %s %s: %s", f.Severity, f.Rule, f.Selector, f.Message)
					}
					t.Errorf("rules = %v, want %v", got, want)
				}
			})
		}
	}
}

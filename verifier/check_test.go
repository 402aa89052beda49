package verifier

import (
	"slices"
	"strings"
	"testing"
)

// TestCheckPage runs every fixture page in Chromium and compares the rule
// ids found with the rules the page is built to break.
func TestCheckPage(t *testing.T) {
	pack := DefaultPack()
	for _, tc := range fixtureCases() {
		t.Run(tc.name, func(t *testing.T) {
			device := tc.device
			if device == "" {
				device = DeviceDesktop
			}
			facts := probePage(t, device, tc.name)
			res := pack.CheckPage(facts, tc.ctx)
			got := ruleIDsOf(res.Findings)
			want := slices.Clone(tc.want)
			slices.Sort(want)
			if !slices.Equal(got, want) {
				t.Fatalf("rules found %v, want %v%s", got, want, describe(res.Findings))
			}
			for _, f := range res.Findings {
				if f.Message == "" || f.Severity == "" {
					t.Errorf("finding %s has no message or severity", f.Rule)
				}
				if f.Rule != RuleEntryPresent && f.Selector == "" {
					t.Errorf("finding %s names no element: %s", f.Rule, f.Message)
				}
			}
		})
	}
}

// TestCheckPageMessages checks that messages say what was expected and found.
func TestCheckPageMessages(t *testing.T) {
	pack := DefaultPack()
	cases := []struct {
		page string
		ctx  Context
		rule string
		has  []string
	}{
		{"label-wrong", auth, RuleLabelApproved, []string{`label "Login by iAM Smart" (visible text) is not an approved label for authentication (en)`, `approved: "Log in with iAM Smart", "Continue with iAM Smart"`}},
		{"entry-text-transform", auth, RuleLabelApproved, []string{`label "LOG IN WITH IAM SMART" (visible text; accessible name "Log in with iAM Smart")`}},
		{"contrast-low", auth, RuleContrast, []string{"4.48:1", "#777777 on #ffffff", "expected at least 4.5:1"}},
		{"lang-english-label-on-zh-hk", ctxWith(auth, func(c *Context) { c.Lang = LangZHHK }), RuleLangConsistent, []string{`"Log in with iAM Smart"`, "zh-HK", "以「智方便」登入"}},
		{"button-small", auth, RuleButtonSize, []string{"150x36", "expected at least 160x40 on desktop"}},
		{"brand-misspelt", auth, RuleBrandSpelling, []string{`"IAM Smart"`, `"iAM Smart"`}},
		{"entry-covered", auth, RuleVisible, []string{"covered by #cookie"}},
	}
	for _, tc := range cases {
		t.Run(tc.page, func(t *testing.T) {
			res := pack.CheckPage(probePage(t, DeviceDesktop, tc.page), tc.ctx)
			var msg string
			for _, f := range res.Findings {
				if f.Rule == tc.rule {
					msg = f.Message
				}
			}
			for _, h := range tc.has {
				if !strings.Contains(msg, h) {
					t.Errorf("%s message %q does not contain %q", tc.rule, msg, h)
				}
			}
		})
	}
}

func TestBareChineseNameIsWarning(t *testing.T) {
	res := DefaultPack().CheckPage(probePage(t, DeviceDesktop, "brand-bare-chinese"), ctxWith(auth, func(c *Context) { c.Lang = LangZHHK }))
	if len(res.Findings) != 1 || res.Findings[0].Severity != SeverityWarning {
		t.Fatalf("want one warning, got%s", describe(res.Findings))
	}
}

func TestEntriesReported(t *testing.T) {
	facts := probePage(t, DeviceDesktop, "clean-en")
	res := DefaultPack().CheckPage(facts, auth)
	if len(res.Entries) != 1 {
		t.Fatalf("want 1 entry, got %+v", res.Entries)
	}
	e := res.Entries[0]
	if e.Selector != "#iam" || e.Text != "Log in with iAM Smart" || e.Box.W < 400 || e.Box.H != 52 {
		t.Errorf("entry = %+v", e)
	}
}

func TestProbeFacts(t *testing.T) {
	facts := probePage(t, DeviceMobile, "clean-en-mobile")
	if facts.Lang != "en" || facts.Viewport.W != 390 || facts.Title != "Sign in - Sample Service" {
		t.Errorf("page facts: lang %q viewport %+v title %q", facts.Lang, facts.Viewport, facts.Title)
	}
	if !strings.Contains(facts.Text, "Log in with iAM Smart") {
		t.Errorf("page text lacks the label: %q", facts.Text)
	}
	byID := map[string]Element{}
	for _, e := range facts.Elements {
		if e.ID != "" {
			byID[e.ID] = e
		}
	}
	iam, pw := byID["iam"], byID["pw"]
	if iam.Role != "link" || !iam.Visible || !iam.InViewportScrollableArea || iam.CoveredBy != "" || !iam.Focusable {
		t.Errorf("entry facts: %+v", iam)
	}
	if len(iam.Images) != 1 || iam.Images[0].NaturalW != 40 || iam.Images[0].RenderedW != 28 {
		t.Errorf("entry images: %+v", iam.Images)
	}
	if iam.Background != "rgba(29, 92, 80, 1)" || iam.Color != "rgba(255, 255, 255, 1)" || iam.FontWeight != 600 {
		t.Errorf("entry colours: %q on %q weight %d", iam.Color, iam.Background, iam.FontWeight)
	}
	if !pw.IsField || !pw.HasLabel || pw.Name != "Password" || pw.Type != "password" {
		t.Errorf("password field: %+v", pw)
	}
}

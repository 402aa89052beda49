package compare

import (
	"bytes"
	"context"
	"errors"
	"image/png"
	"slices"
	"strings"
	"testing"

	"journeyproof"
	"journeyproof/recordings"
)

func compareOrFail(t *testing.T, base, head Side, opt Options) *Report {
	t.Helper()
	rep, err := Compare(context.Background(), env.store, base, head, opt)
	if err != nil {
		t.Fatalf("compare %s with %s: %v", head, base, err)
	}
	return rep
}

// Two runs of the same sandbox release show the same screens: the QR code
// (masked by the journey) and the state are all that differ.
func TestSameReleaseIsUnchanged(t *testing.T) {
	shared.Need(t)
	rep := compareOrFail(t, Side{Release: "base"}, Side{Release: "again"}, Options{})
	want := Summary{Runs: 3, Unchanged: 2, Removed: 1}
	if rep.Summary != want {
		t.Fatalf("summary = %+v, want %+v", rep.Summary, want)
	}
	maskedQR := 0
	for _, r := range rep.Runs {
		if r.Status == StatusRemoved {
			if r.Cell != "login/en/mobile" || r.Head != nil {
				t.Errorf("removed run %s: head %+v", r.Cell, r.Head)
			}
			continue
		}
		if len(r.Steps) != 5 {
			t.Errorf("%s: %d step pairs, want 5", r.Cell, len(r.Steps))
		}
		if len(r.Paths.Head) < 3 || r.Paths.Changed {
			t.Errorf("%s: URL paths %v -> %v", r.Cell, r.Paths.Base, r.Paths.Head)
		}
		for _, s := range r.Steps {
			if s.Status != StatusUnchanged || s.Visual == nil || s.Visual.DiffPixels != 0 {
				t.Errorf("%s %s: status %s, visual %+v, text %v", r.Cell, s.Key, s.Status, s.Visual, s.Text)
				continue
			}
			if s.Visual.Diff != "" {
				t.Errorf("%s %s: a diff image for identical screens", r.Cell, s.Key)
			}
			if s.StepID == "authorise" && r.Device == "desktop" {
				// The QR code differs between the runs; only the mask keeps
				// the step unchanged.
				if s.Visual.Identical || len(s.Visual.Masks) == 0 {
					t.Errorf("%s authorise: identical=%v masks=%v; want different bytes hidden by the QR mask", r.Cell, s.Visual.Identical, s.Visual.Masks)
				} else {
					maskedQR++
				}
			}
		}
	}
	if maskedQR != 1 {
		t.Errorf("%d desktop authorise steps kept unchanged by the QR mask, want 1", maskedQR)
	}
	if rep.Summary.Failed {
		t.Error("summary failed for two runs of one release")
	}
}

// The wrong-label defect changes the label of the login entry: the screens
// with the entry change there and nowhere else, the entry's text changes,
// and the verifier's iamsmart.label.approved finding is new.
func TestWrongLabelDefect(t *testing.T) {
	shared.Need(t)
	rep := compareOrFail(t, Side{Release: "base"}, Side{Release: "defect"}, Options{})
	if s := rep.Summary; s.Changed != 2 || s.Removed != 1 || s.Unchanged != 0 || s.Added != 0 || !s.Failed || s.NewErrors != 4 {
		t.Fatalf("summary = %+v; want 2 changed, 1 removed (the cell not run in defect), 4 new errors, failed", s)
	}
	labels := map[string][2]string{
		"en":    {"Log in with iAM Smart", "Login by iAM Smart"},
		"zh-HK": {"以「智方便」登入", "「智方便」登入"},
	}
	for _, r := range rep.Runs {
		if r.Status == StatusRemoved {
			if r.Head != nil || r.Base == nil || r.Cell != "login/en/mobile" {
				t.Errorf("removed run %s: base %+v head %+v", r.Cell, r.Base, r.Head)
			}
			continue
		}
		if r.Status != StatusChanged || r.StepsOverLimit != 2 || r.NewErrors != 2 || r.Paths.Changed {
			t.Errorf("%s: status %s, %d over the limit, %d new errors, paths changed %v; want changed, 2, 2, false",
				r.Cell, r.Status, r.StepsOverLimit, r.NewErrors, r.Paths.Changed)
		}
		headRun := env.runOf(t, "defect", r.Cell)
		for _, s := range r.Steps {
			onEntryPage := s.StepID == "open-login" || s.StepID == "trigger"
			if !onEntryPage {
				if s.Status != StatusUnchanged {
					t.Errorf("%s %s: %s (visual %+v, text %v, findings %+v); the defect does not touch this screen",
						r.Cell, s.StepID, s.Status, s.Visual, s.Text, s.Findings)
				}
				continue
			}
			if s.Status != StatusChanged || !s.OverLimit {
				t.Errorf("%s %s: status %s, over the limit %v; want changed over the limit", r.Cell, s.StepID, s.Status, s.OverLimit)
				continue
			}
			// The label text change.
			want := TextChange{Field: "entry", Selector: "#iamsmart-login", Before: labels[r.Lang][0], After: labels[r.Lang][1]}
			if !slices.Equal(s.Text, []TextChange{want}) {
				t.Errorf("%s %s: text changes %+v, want %+v", r.Cell, s.StepID, s.Text, want)
			}
			// The new finding.
			if len(s.Findings.New) != 1 || s.Findings.New[0].Rule != "iamsmart.label.approved" || s.Findings.New[0].Severity != "error" {
				t.Errorf("%s %s: new findings %+v, want one iamsmart.label.approved error", r.Cell, s.StepID, s.Findings.New)
			}
			if len(s.Findings.Resolved) != 0 {
				t.Errorf("%s %s: resolved findings %+v", r.Cell, s.StepID, s.Findings.Resolved)
			}
			// The changed boxes lie on the entry, whose box the verifier
			// reported (document CSS px; the page is not scrolled).
			entry := entryBox(t, headRun, s.Head.Index, "#iamsmart-login")
			v := s.Visual
			if len(v.CSSBoxes) == 0 || len(v.CSSBoxes) != len(v.Boxes) {
				t.Fatalf("%s %s: boxes %v, CSS boxes %v", r.Cell, s.StepID, v.Boxes, v.CSSBoxes)
			}
			for _, b := range v.CSSBoxes {
				if !inside(b, entry, 2) {
					t.Errorf("%s %s: changed box %+v is not on the entry %+v", r.Cell, s.StepID, b, entry)
				}
			}
			if s.StepID == "trigger" && s.Head.Trigger != true {
				t.Errorf("%s: trigger step not marked as trigger", r.Cell)
			}
			// The diff image is stored, at the screenshot's size.
			diffPNG, err := env.store.ReadArtifact(v.Diff)
			if err != nil {
				t.Fatalf("%s %s: diff image %q: %v", r.Cell, s.StepID, v.Diff, err)
			}
			cfg, err := png.DecodeConfig(bytes.NewReader(diffPNG))
			if err != nil || cfg.Width != v.HeadSize.W || cfg.Height != v.HeadSize.H {
				t.Errorf("%s %s: diff image %dx%d (%v), want %dx%d", r.Cell, s.StepID, cfg.Width, cfg.Height, err, v.HeadSize.W, v.HeadSize.H)
			}
			scale := 1.0
			if r.Device == "mobile" {
				scale = 3
			}
			if v.HeadSize.W != int(float64(headRun.Width)*scale) {
				t.Errorf("%s: screenshot %d px wide, want %v", r.Cell, v.HeadSize.W, float64(headRun.Width)*scale)
			}
		}
	}
}

// entryBox returns the box of an iAM Smart entry on a step, in viewport CSS
// px.
func entryBox(t *testing.T, r *recordings.Run, index int, sel string) journeyproof.Box {
	t.Helper()
	for _, s := range r.Steps {
		if s.Index != index {
			continue
		}
		for _, e := range s.Entries {
			if e.Selector == sel {
				b := e.Box
				b.X -= s.ScrollX
				b.Y -= s.ScrollY
				return b
			}
		}
	}
	t.Fatalf("run %d step %d has no entry %s", r.ID, index, sel)
	return journeyproof.Box{}
}

// inside reports whether a lies within b, give or take tol CSS px.
func inside(a, b journeyproof.Box, tol float64) bool {
	return a.X >= b.X-tol && a.Y >= b.Y-tol && a.X+a.W <= b.X+b.W+tol && a.Y+a.H <= b.Y+b.H+tol
}

// A limit above the defect's few hundred pixels lets the steps pass; the
// new error finding still fails the comparison.
func TestLimits(t *testing.T) {
	shared.Need(t)
	for _, tc := range []struct {
		name     string
		limit    Limit
		overEach int
	}{
		{"pixels under", Limit{MaxDiffPixels: 100}, 2},
		{"pixels over", Limit{MaxDiffPixels: 100000}, 0},
		{"ratio under", Limit{MaxDiffRatio: 0.0001}, 2},
		{"ratio over", Limit{MaxDiffRatio: 0.05}, 0},
	} {
		t.Run(tc.name, func(t *testing.T) {
			rep := compareOrFail(t, Side{Release: "base"}, Side{Release: "defect"}, Options{Limit: tc.limit, NoDiffImages: true})
			for _, r := range rep.Runs {
				if r.Status == StatusChanged && r.StepsOverLimit != tc.overEach {
					t.Errorf("%s: %d steps over %s, want %d", r.Cell, r.StepsOverLimit, tc.limit, tc.overEach)
				}
				for _, s := range r.Steps {
					if s.Visual != nil && s.Visual.Diff != "" {
						t.Errorf("%s %s: diff image stored with NoDiffImages", r.Cell, s.Key)
					}
				}
			}
			if !rep.Summary.Failed || rep.Summary.NewErrors != 4 {
				t.Errorf("summary %+v: the new error findings must fail it", rep.Summary)
			}
		})
	}
	// The other way round the findings are resolved, not new: only the
	// limit decides.
	for _, tc := range []struct {
		limit  Limit
		failed bool
	}{{Limit{}, true}, {Limit{MaxDiffRatio: 0.01}, false}} {
		rep := compareOrFail(t, Side{Release: "defect"}, Side{Release: "base"}, Options{Limit: tc.limit, NoDiffImages: true})
		if rep.Summary.Failed != tc.failed || rep.Summary.ResolvedFindings != 4 || rep.Summary.NewErrors != 0 || rep.Summary.Added != 1 {
			t.Errorf("defect -> base with %s: summary %+v, want failed %v, 4 resolved, 1 added", tc.limit, rep.Summary, tc.failed)
		}
	}
}

func TestBaselineAndRuns(t *testing.T) {
	shared.Need(t)
	clearBaselines(t)
	if _, err := Compare(context.Background(), env.store, Side{}, Side{Release: "defect"}, Options{}); !errors.Is(err, ErrNoBaseline) || !errors.Is(err, ErrUsage) {
		t.Fatalf("compare without a baseline: %v, want ErrNoBaseline", err)
	}
	if err := env.store.SetBaseline("base", ""); err != nil {
		t.Fatal(err)
	}
	rep := compareOrFail(t, Side{}, Side{Release: "defect"}, Options{NoDiffImages: true})
	if rep.Base != "baseline" || !slices.Equal(rep.BaseReleases, []string{"base"}) || rep.Summary.Changed != 2 {
		t.Errorf("against the baseline: base %q %v, summary %+v", rep.Base, rep.BaseReleases, rep.Summary)
	}
	// A journey's own baseline wins over the one for every journey.
	if err := env.store.SetBaseline("again", "login"); err != nil {
		t.Fatal(err)
	}
	rep = compareOrFail(t, Side{}, Side{Release: "defect"}, Options{NoDiffImages: true})
	if !slices.Equal(rep.BaseReleases, []string{"again"}) {
		t.Errorf("base releases %v, want [again]", rep.BaseReleases)
	}
	clearBaselines(t)

	// Two run ids; a run id against a release (its cell only).
	baseRun := env.runOf(t, "base", "login/zh-HK/mobile")
	headRun := env.runOf(t, "defect", "login/zh-HK/mobile")
	for _, tc := range []struct {
		name       string
		base, head Side
	}{
		{"run ids", Side{RunID: baseRun.ID}, Side{RunID: headRun.ID}},
		{"release and run", Side{Release: "base"}, Side{RunID: headRun.ID}},
		{"run and release", Side{RunID: baseRun.ID}, Side{Release: "defect"}},
	} {
		rep := compareOrFail(t, tc.base, tc.head, Options{NoDiffImages: true})
		if len(rep.Runs) != 1 || rep.Runs[0].Base.ID != baseRun.ID || rep.Runs[0].Head.ID != headRun.ID || rep.Runs[0].StepsOverLimit != 2 {
			t.Errorf("%s: runs %+v", tc.name, rep.Runs)
		}
	}
	for _, tc := range []struct {
		base, head Side
		want       string
	}{
		{Side{Release: "base"}, Side{Release: "nope"}, `release "nope" has no runs`},
		{Side{Release: "nope"}, Side{Release: "base"}, `release "nope" has no runs`},
		{Side{RunID: 99999}, Side{Release: "base"}, "run 99999 is not in the store"},
		{Side{Release: "base"}, Side{}, "no head"},
	} {
		_, err := Compare(context.Background(), env.store, tc.base, tc.head, Options{})
		if !errors.Is(err, ErrUsage) || !strings.Contains(err.Error(), tc.want) {
			t.Errorf("compare %s with %s: %v, want a usage error with %q", tc.head, tc.base, err, tc.want)
		}
	}
}

func clearBaselines(t *testing.T) {
	t.Helper()
	if err := env.store.DB.Where("1 = 1").Delete(&recordings.Baseline{}).Error; err != nil {
		t.Fatal(err)
	}
}

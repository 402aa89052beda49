package main

import (
	"context"
	"fmt"
	"net/url"
	"sort"
	"strings"
	"sync"
	"time"

	"journeyproof"
	"journeyproof/engine"
	"journeyproof/journeys"
	"journeyproof/journeys/chrome"
	"journeyproof/verifier"
)

func cmdCheck(ctx context.Context, env *cli, args []string) int {
	fs := newFlags(env, "check", "[flags] URL", "Loads one page in Chromium, runs the page probe and the rule pack, and prints the findings.\nWith --trigger (the default) the page is where iAM Smart is triggered: it must have an iAM Smart entry,\nand the request that clicking the entry sends is checked too.\nExit 0 when no error-severity finding, 1 when any, 2 when the page could not be loaded.")
	device := fs.String("device", "desktop", "desktop or mobile")
	lang := fs.String("lang", "en", "language of the page: en, zh-HK or zh-CN")
	process := fs.String("process", "", "business process of the page: authentication, form-filling or signing (default: any)")
	rules := rulesFlag(fs, rulesHelp)
	trigger := fs.Bool("trigger", true, "treat the page as the screen that triggers iAM Smart")
	asJSON := fs.Bool("json", false, "print the findings as JSON")
	timeout := fs.Duration("timeout", 30*time.Second, "how long to wait for the page to load and settle, for --wait-for, and for the iAM Smart entry before it is reported absent")
	waitFor := fs.String("wait-for", "", "wait until this selector is visible before checking (CSS, XPath, aria/, text/, or with \" >> \" into frames and shadow roots)")
	pos, done, code := parseArgs(env, fs, args, exactArgs(1, "expected exactly one URL; usage: journeyproof check [flags] URL"))
	if done {
		return code
	}
	target := pos[0]
	if err := journeys.CheckBaseURL(target); err != nil {
		return errorExit(env, err, exitUsage)
	}
	if *device != "desktop" && *device != "mobile" {
		return usageError(env, "check", fmt.Sprintf("--device must be desktop or mobile, not %q", *device))
	}
	if !journeyproof.IsLanguage(*lang) {
		return usageError(env, "check", fmt.Sprintf("--lang must be one of %s, not %q", strings.Join(journeyproof.Languages(), ", "), *lang))
	}
	pack, err := engine.LoadPack(*rules)
	if err != nil {
		return errorExit(env, err, exitUsage)
	}
	b, err := chrome.StartBrowser(ctx, chrome.BrowserOptions{})
	if err != nil {
		return errorExit(env, err, exitFailed)
	}
	defer b.Close()

	proc := *process
	if proc == "" {
		proc = "other"
	}
	findings, err := checkPageWaiting(ctx, b, pack, target, proc, *lang, *device, *trigger, *timeout, *waitFor)
	if err != nil {
		return usageError(env, "check", fmt.Sprintf("could not load %s: %s", target, strings.Join(strings.Fields(err.Error()), " ")))
	}
	errorsFound := 0
	for _, f := range findings {
		if f.Severity == "error" {
			errorsFound++
		}
	}
	if *asJSON {
		type jsonFinding struct {
			Rule     string           `json:"rule"`
			Severity string           `json:"severity"`
			Message  string           `json:"message"`
			Selector string           `json:"selector"`
			Box      journeyproof.Box `json:"box"`
		}
		out := struct {
			URL      string        `json:"url"`
			Device   string        `json:"device"`
			Findings []jsonFinding `json:"findings"`
		}{URL: target, Device: *device, Findings: []jsonFinding{}}
		for _, f := range findings {
			out.Findings = append(out.Findings, jsonFinding{f.Rule, f.Severity, f.Message, f.Selector, f.Box})
		}
		printJSON(env.stdout, out, false)
	} else {
		tw := newTable(env.stdout)
		fmt.Fprintf(tw, "SEVERITY\tRULE\tSELECTOR\tMESSAGE\n")
		for _, f := range findings {
			fmt.Fprintf(tw, "%s\t%s\t%s\t%s\n", f.Severity, f.Rule, f.Selector, f.Message)
		}
		tw.Flush()
		fmt.Fprintf(env.stdout, "%d findings (%d errors) on %s (%s, %s)\n", len(findings), errorsFound, target, *device, *lang)
	}
	if errorsFound > 0 {
		return exitFailed
	}
	return exitOK
}

// collectingChecker runs the real checker and keeps what it found.
type collectingChecker struct {
	inner    *engine.Checker
	mu       sync.Mutex
	screens  map[int]chrome.ScreenCheck
	triggers []chrome.TriggerCheck
}

func (c *collectingChecker) CheckScreen(ctx context.Context, in chrome.ScreenInput) (chrome.ScreenCheck, error) {
	sc, err := c.inner.CheckScreen(ctx, in)
	c.mu.Lock()
	c.screens[in.Index] = sc
	c.mu.Unlock()
	return sc, err
}

func (c *collectingChecker) ScreenReady(ctx context.Context, in chrome.ScreenInput) (bool, error) {
	return c.inner.ScreenReady(ctx, in)
}

func (c *collectingChecker) CheckTrigger(ctx context.Context, in chrome.TriggerInput) (chrome.TriggerCheck, error) {
	tc, err := c.inner.CheckTrigger(ctx, in)
	// Kept when no request was seen too: an entry that sends nothing is
	// the iamsmart.redirect.sent error.
	c.mu.Lock()
	c.triggers = append(c.triggers, tc)
	c.mu.Unlock()
	return tc, err
}

// checkPage checks one page through the runner (so the device and language
// are emulated exactly as in a journey): first the screen, then, when it is
// a trigger screen with an iAM Smart entry, the request that clicking the
// entry sends (in a fresh browser context).
func checkPage(ctx context.Context, b *chrome.Browser, pack *verifier.Pack, target, process, lang, device string, trigger bool, timeout time.Duration) ([]journeyproof.Finding, error) {
	return checkPageWaiting(ctx, b, pack, target, process, lang, device, trigger, timeout, "")
}

// checkPageWaiting is checkPage that first waits for the selector waitFor
// to be visible (when not "").
func checkPageWaiting(ctx context.Context, b *chrome.Browser, pack *verifier.Pack, target, process, lang, device string, trigger bool, timeout time.Duration, waitFor string) ([]journeyproof.Finding, error) {
	u, err := url.Parse(target)
	if err != nil {
		return nil, err
	}
	one := func(steps []journeys.Step) (*collectingChecker, journeys.CellResult, error) {
		j := &journeys.Journey{ID: "check", Name: "check " + target, Process: process, Steps: steps,
			Matrix: journeys.Matrix{Languages: []string{lang}, Devices: []string{device}}}
		cells, err := journeys.Expand([]*journeys.Journey{j}, nil, nil)
		if err != nil {
			return nil, journeys.CellResult{}, err
		}
		cc := &collectingChecker{inner: &engine.Checker{Pack: pack}, screens: map[int]chrome.ScreenCheck{}}
		r := &chrome.Runner{Browser: b, BaseURL: u.Scheme + "://" + u.Host, Parallel: 1, Checker: cc, NoScreenshots: true, StepTimeout: timeout}
		res := r.Run(ctx, cells)
		return cc, res[0], nil
	}
	load := []journeys.Step{{Name: "load", Action: journeys.ActGoto, Value: target, Trigger: trigger}}
	wait := func(steps []journeys.Step) []journeys.Step { return steps }
	if waitFor != "" {
		// the screen judged is the one the wait step ends on
		wait = func(steps []journeys.Step) []journeys.Step {
			out := []journeys.Step{steps[0], {Name: "wait for " + waitFor, Action: journeys.ActWait, Selector: waitFor, Trigger: steps[0].Trigger}}
			out[0].Trigger = false
			return append(out, steps[1:]...)
		}
	}
	cc, res, err := one(wait(load))
	if err != nil {
		return nil, err
	}
	if res.Status != journeyproof.StatusPassed {
		return nil, fmt.Errorf("%s", res.Error)
	}
	screen := cc.screens[len(wait(load))-1]
	findings := append([]journeyproof.Finding(nil), screen.Findings...)
	if trigger && len(screen.Entries) > 0 {
		entry := screen.Entries[0].Selector
		cc2, _, err := one(wait([]journeys.Step{
			{Name: "load", Action: journeys.ActGoto, Value: target},
			{Name: "trigger", Action: journeys.ActClick, Selector: entry, Trigger: true},
			{Name: "follow", Action: journeys.ActWait, Duration: 500 * time.Millisecond},
		}))
		if err != nil {
			return nil, err
		}
		for _, tc := range cc2.triggers {
			findings = append(findings, tc.Findings...)
		}
	}
	sort.SliceStable(findings, func(i, k int) bool {
		return findings[i].Severity == "error" && findings[k].Severity != "error"
	})
	return findings, nil
}

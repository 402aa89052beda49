package chrome

import (
	"strings"
	"testing"

	jsonv2 "github.com/chromedp/cdproto/cdp/jsonv2"
	cdpruntime "github.com/chromedp/cdproto/runtime"
)

// TestPageLogFlood: a page that logs in a loop gives each step at most
// maxLogPerStep console messages and a note of how many more were dropped,
// and the run keeps at most maxLogPerRun, each cut to maxLogEntry bytes.
func TestPageLogFlood(t *testing.T) {
	var p pageLog
	logErr := func(text string) {
		p.listen(&cdpruntime.EventConsoleAPICalled{Type: cdpruntime.ConsoleAPICalledTypeError,
			Args: []*cdpruntime.RemoteObject{{Type: "string", Value: jsonv2.Value(`"` + text + `"`)}}})
	}
	total := 0
	var steps [][]string
	for step := 0; step < 30; step++ {
		m := p.mark()
		for i := 0; i < 500; i++ {
			logErr(strings.Repeat("x", 5000))
		}
		console, _, _ := p.since(m)
		steps = append(steps, console)
		total += len(console)
	}
	first := steps[0]
	if len(first) != maxLogPerStep+1 || !strings.Contains(first[maxLogPerStep], "400 more console messages dropped") {
		t.Fatalf("step 1 keeps %d messages, last %q; want %d and a note of 400 dropped", len(first), first[len(first)-1], maxLogPerStep)
	}
	if l := len(first[0]); l > maxLogEntry+len("…") {
		t.Errorf("an entry of %d bytes is kept", l)
	}
	last := steps[len(steps)-1]
	if len(last) != 1 || !strings.Contains(last[0], "500 more console messages dropped") {
		t.Errorf("after the run's limit a step keeps %q; want only the note", last)
	}
	if len(p.console) != maxLogPerRun {
		t.Errorf("the run kept %d messages, want %d", len(p.console), maxLogPerRun)
	}
}

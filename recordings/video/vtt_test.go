package video

import (
	"bytes"
	"fmt"
	"os"
	"path/filepath"
	"regexp"
	"strconv"
	"strings"
	"testing"
	"time"

	"journeyproof/journeys"
	"journeyproof/recordings"
)

// cue is one parsed WebVTT cue.
type cue struct {
	Start, End time.Duration
	Lines      []string // unescaped text
}

var vttTimestamp = regexp.MustCompile(`^(?:(\d{2,}):)?([0-5]\d):([0-5]\d)\.(\d{3})$`)

func parseVTTTime(s string) (time.Duration, error) {
	m := vttTimestamp.FindStringSubmatch(s)
	if m == nil {
		return 0, fmt.Errorf("bad timestamp %q", s)
	}
	var h int
	if m[1] != "" {
		h, _ = strconv.Atoi(m[1])
	}
	mi, _ := strconv.Atoi(m[2])
	sec, _ := strconv.Atoi(m[3])
	ms, _ := strconv.Atoi(m[4])
	return time.Duration(h)*time.Hour + time.Duration(mi)*time.Minute + time.Duration(sec)*time.Second + time.Duration(ms)*time.Millisecond, nil
}

// parseVTT checks a WebVTT file the way a player reads it: the WEBVTT
// header, blocks separated by blank lines, each cue an optional id, a
// timing line "start --> end" with start < end and starts that never go
// back, and at least one line of text without "-->".
func parseVTT(data string) ([]cue, error) {
	data = strings.TrimPrefix(data, "\ufeff")
	data = strings.ReplaceAll(strings.ReplaceAll(data, "\r\n", "\n"), "\r", "\n")
	blocks := strings.Split(strings.TrimRight(data, "\n"), "\n\n")
	head := strings.SplitN(blocks[0], "\n", 2)[0]
	if head != "WEBVTT" && !strings.HasPrefix(head, "WEBVTT ") && !strings.HasPrefix(head, "WEBVTT\t") {
		return nil, fmt.Errorf("no WEBVTT header: %q", head)
	}
	var cues []cue
	for bi, b := range blocks[1:] {
		lines := strings.Split(strings.Trim(b, "\n"), "\n")
		if len(lines) == 0 || lines[0] == "" {
			continue
		}
		if strings.HasPrefix(lines[0], "NOTE") || lines[0] == "STYLE" || lines[0] == "REGION" {
			continue
		}
		if !strings.Contains(lines[0], "-->") {
			lines = lines[1:] // the cue's identifier
		}
		if len(lines) < 2 {
			return nil, fmt.Errorf("block %d: no timing line and text: %q", bi+1, b)
		}
		parts := strings.Fields(lines[0])
		if len(parts) < 3 || parts[1] != "-->" {
			return nil, fmt.Errorf("block %d: bad timing line %q", bi+1, lines[0])
		}
		start, err := parseVTTTime(parts[0])
		if err != nil {
			return nil, fmt.Errorf("block %d: %w", bi+1, err)
		}
		end, err := parseVTTTime(parts[2])
		if err != nil {
			return nil, fmt.Errorf("block %d: %w", bi+1, err)
		}
		if end <= start {
			return nil, fmt.Errorf("block %d: cue ends (%s) before it starts (%s)", bi+1, end, start)
		}
		if n := len(cues); n > 0 && start < cues[n-1].Start {
			return nil, fmt.Errorf("block %d: cue starts at %s, before the previous one (%s)", bi+1, start, cues[n-1].Start)
		}
		c := cue{Start: start, End: end}
		for _, l := range lines[1:] {
			if strings.Contains(l, "-->") {
				return nil, fmt.Errorf("block %d: text line has -->: %q", bi+1, l)
			}
			if strings.ContainsAny(l, "<>") {
				return nil, fmt.Errorf("block %d: unescaped markup in %q", bi+1, l)
			}
			c.Lines = append(c.Lines, strings.NewReplacer("&lt;", "<", "&gt;", ">", "&amp;", "&").Replace(l))
		}
		cues = append(cues, c)
	}
	if len(cues) == 0 {
		return nil, fmt.Errorf("no cue")
	}
	return cues, nil
}

func testCell(lang, device string) journeys.Cell {
	j := &journeys.Journey{ID: "t", Name: "Test journey"}
	d, _ := j.Device(device)
	return journeys.Cell{Journey: j, Lang: lang, Device: d}
}

// The captions and the chapters cover each step's span, with the step's
// name (escaped where WebVTT needs it) and the language and device.
func TestCaptionsAndChapters(t *testing.T) {
	tests := []struct {
		name     string
		steps    []stepSpan
		total    time.Duration
		cell     journeys.Cell
		want     []recordings.Chapter
		wantLine string
	}{
		{
			name: "passed",
			steps: []stepSpan{
				{Index: 0, Name: "Open the login page", Start: 30 * time.Millisecond},
				{Index: 1, Name: "Choose iAM Smart", Start: 1500 * time.Millisecond},
				{Index: 2, Name: "Logged in", Start: 4200 * time.Millisecond},
			},
			total: 6 * time.Second, cell: testCell("en", "desktop"),
			want: []recordings.Chapter{
				{Title: "Open the login page", StartMS: 0, EndMS: 1500, Step: 0},
				{Title: "Choose iAM Smart", StartMS: 1500, EndMS: 4200, Step: 1},
				{Title: "Logged in", StartMS: 4200, EndMS: 6000, Step: 2},
			},
			wantLine: "English · desktop",
		},
		{
			name: "failed, with characters WebVTT reserves",
			steps: []stepSpan{
				{Index: 0, Name: "Open <form> & wait", Start: 0},
				{Index: 1, Name: "Expect a --> b", Start: 2 * time.Second, Failed: true, Error: "expected #x to be visible: timed out"},
			},
			total: 3500 * time.Millisecond, cell: testCell("zh-HK", "mobile"),
			want: []recordings.Chapter{
				{Title: "Open <form> & wait", StartMS: 0, EndMS: 2000, Step: 0},
				{Title: "Expect a --> b — failed", StartMS: 2000, EndMS: 3500, Step: 1, Failed: true},
			},
			wantLine: "繁體中文 · mobile",
		},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			got := chapters(tt.steps, tt.total)
			if fmt.Sprint(got) != fmt.Sprint(tt.want) {
				t.Fatalf("chapters:\n got %v\nwant %v", got, tt.want)
			}
			var buf bytes.Buffer
			if err := writeWebVTT(&buf, got, tt.steps, tt.cell); err != nil {
				t.Fatal(err)
			}
			cues, err := parseVTT(buf.String())
			if err != nil {
				t.Fatalf("%v\n%s", err, buf.String())
			}
			if len(cues) != len(tt.want) {
				t.Fatalf("%d cues, want %d", len(cues), len(tt.want))
			}
			for i, c := range cues {
				if c.Start.Milliseconds() != tt.want[i].StartMS || c.End.Milliseconds() != tt.want[i].EndMS {
					t.Errorf("cue %d spans %s-%s, want %dms-%dms", i, c.Start, c.End, tt.want[i].StartMS, tt.want[i].EndMS)
				}
				if c.Lines[0] != tt.want[i].Title || c.Lines[1] != tt.wantLine {
					t.Errorf("cue %d says %q, want %q and %q", i, c.Lines, tt.want[i].Title, tt.wantLine)
				}
				if tt.want[i].Failed && (len(c.Lines) < 3 || !strings.Contains(c.Lines[2], "timed out")) {
					t.Errorf("failed cue %d does not give the error: %q", i, c.Lines)
				}
			}
			var meta bytes.Buffer
			if err := writeFFMetadata(&meta, "Title = a; b", got); err != nil {
				t.Fatal(err)
			}
			if !strings.HasPrefix(meta.String(), ";FFMETADATA1\ntitle=Title \\= a\\; b\n") || strings.Count(meta.String(), "[CHAPTER]") != len(tt.want) {
				t.Errorf("ffmetadata:\n%s", meta.String())
			}
		})
	}
}

// The frame writer keeps at most one frame per video frame (tick), the
// last one, and the concat list makes each frame last until the next in
// whole ticks, so that the video lasts exactly as long as asked.
func TestFrameTimeline(t *testing.T) {
	ms := func(n int) time.Duration { return time.Duration(n) * time.Millisecond }
	tests := []struct {
		name      string
		at        []time.Duration // frame times
		lead, n   int64
		wantFiles int      // frames written
		keep      []string // what they hold
		// want is the concat list: frame (by order written) and ticks.
		want []int64
	}{
		{name: "one frame lasts the whole video", at: []time.Duration{ms(20)}, n: 50, wantFiles: 1, keep: []string{"frame 0"}, want: []int64{50}},
		{name: "a fast animation keeps one frame per tick", at: []time.Duration{ms(1), ms(20), ms(40), ms(60), ms(80), ms(99), ms(120), ms(150)}, n: 3, wantFiles: 2, keep: []string{"frame 5", "frame 7"}, want: []int64{2, 1}},
		{name: "a still page lasts until the next frame", at: []time.Duration{0, ms(5010), ms(5090)}, n: 60, wantFiles: 2, keep: []string{"frame 0", "frame 2"}, want: []int64{51, 9}},
		{name: "set-up before the capture shows the first frame", at: []time.Duration{ms(30), ms(1000)}, lead: 7, n: 27, wantFiles: 2, keep: []string{"frame 0", "frame 1"}, want: []int64{17, 10}},
		{name: "frames after the end are left out", at: []time.Duration{0, ms(300), ms(900)}, n: 5, wantFiles: 3, keep: []string{"frame 0", "frame 1", "frame 2"}, want: []int64{3, 2}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			fw, dir := tempFrameWriter(t)
			for i, at := range tt.at {
				if err := fw.add([]byte(fmt.Sprint("frame ", i)), at); err != nil {
					t.Fatal(err)
				}
			}
			if err := fw.close(); err != nil {
				t.Fatal(err)
			}
			files, _ := filepath.Glob(filepath.Join(dir, "f*.jpg"))
			if len(files) != tt.wantFiles {
				t.Fatalf("%d frame files, want %d", len(files), tt.wantFiles)
			}
			var buf bytes.Buffer
			n, err := writeConcat(&buf, dir, 10, tt.lead, tt.n)
			if err != nil {
				t.Fatal(err)
			}
			var got []int64
			var total float64
			for _, l := range strings.Split(buf.String(), "\n") {
				if d, ok := strings.CutPrefix(l, "duration "); ok {
					var f float64
					fmt.Sscan(d, &f)
					got = append(got, int64(f*10+0.5))
					total += f
				}
			}
			if n != len(tt.want) || fmt.Sprint(got) != fmt.Sprint(tt.want) {
				t.Fatalf("concat ticks %v (%d entries), want %v\n%s", got, n, tt.want, buf.String())
			}
			if int64(total*10+0.5) != tt.n {
				t.Errorf("concat lasts %.3fs, want %d ticks", total, tt.n)
			}
			if !strings.HasPrefix(buf.String(), "ffconcat version 1.0\n") {
				t.Errorf("no ffconcat header")
			}
			// Of the frames of one tick, the last one drawn is kept.
			for i, f := range files {
				data, err := os.ReadFile(f)
				if err != nil || string(data) != tt.keep[i] {
					t.Errorf("frame file %d holds %q, want %q", i, data, tt.keep[i])
				}
			}
		})
	}
}

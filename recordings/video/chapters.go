package video

import (
	"bufio"
	"fmt"
	"io"
	"strings"
	"time"

	"journeyproof"
	"journeyproof/journeys"
	"journeyproof/recordings"
)

// stepSpan is what the capture knows of one step that ran.
type stepSpan struct {
	Index   int
	Name    string
	Start   time.Duration // after the start of the capture
	End     time.Duration // zero until the step is done
	Trigger bool
	// Interaction: a trigger click's evidence is the screen before the click.
	Interaction bool
	Failed      bool
	Error       string
}

// chapters returns one chapter per step: each from the step's start to the
// next step's start, the first from the start of the video and the last to
// its end. A failed step's chapter says so, and it is the last one.
func chapters(steps []stepSpan, total time.Duration) []recordings.Chapter {
	out := make([]recordings.Chapter, 0, len(steps))
	totalMS := total.Milliseconds()
	for i, s := range steps {
		start := s.Start.Milliseconds()
		if i == 0 || start < 0 {
			start = 0
		}
		if i > 0 {
			start = max(start, out[i-1].StartMS)
		}
		start = min(start, totalMS)
		title := s.Name
		if s.Failed {
			title += " — failed"
		}
		out = append(out, recordings.Chapter{Title: title, StartMS: start, Step: s.Index, Failed: s.Failed})
		if i > 0 {
			out[i-1].EndMS = start
		}
	}
	if n := len(out); n > 0 {
		out[n-1].EndMS = totalMS
	}
	return out
}

// writeFFMetadata writes the chapters (and the title) in ffmpeg's metadata
// format.
func writeFFMetadata(w io.Writer, title string, chs []recordings.Chapter) error {
	bw := bufio.NewWriter(w)
	fmt.Fprintln(bw, ";FFMETADATA1")
	fmt.Fprintf(bw, "title=%s\n", ffmetaEscape(title))
	for _, c := range chs {
		fmt.Fprintf(bw, "\n[CHAPTER]\nTIMEBASE=1/1000\nSTART=%d\nEND=%d\ntitle=%s\n", c.StartMS, c.EndMS, ffmetaEscape(c.Title))
	}
	return bw.Flush()
}

// ffmetaEscape escapes what ffmpeg's metadata format treats as special.
func ffmetaEscape(s string) string {
	s = strings.Join(strings.Fields(s), " ")
	return strings.NewReplacer(`\`, `\\`, "=", `\=`, ";", `\;`, "#", `\#`).Replace(s)
}

// captionLine is the second line of every caption: the cell's language, in
// its own name, and device.
func captionLine(cell journeys.Cell) string {
	lang := cell.Lang
	if l, ok := journeyproof.LookupLanguage(cell.Lang); ok {
		lang = l.Label
	}
	return lang + " · " + cell.Device.Name
}

// writeWebVTT writes one cue per chapter: the step's name (and whether it
// failed, with the error) over the language and device.
func writeWebVTT(w io.Writer, chs []recordings.Chapter, steps []stepSpan, cell journeys.Cell) error {
	bw := bufio.NewWriter(w)
	fmt.Fprint(bw, "WEBVTT\n")
	for i, c := range chs {
		if c.EndMS <= c.StartMS {
			continue
		}
		lines := []string{c.Title, captionLine(cell)}
		if steps[i].Failed && steps[i].Error != "" {
			lines = append(lines, clip(steps[i].Error, 140))
		}
		for k := range lines {
			lines[k] = vttEscape(lines[k])
		}
		fmt.Fprintf(bw, "\n%d\n%s --> %s\n%s\n", i+1, vttTime(c.StartMS), vttTime(c.EndMS), strings.Join(lines, "\n"))
	}
	return bw.Flush()
}

// vttTime formats milliseconds as a WebVTT timestamp (hh:mm:ss.ttt).
func vttTime(ms int64) string {
	return fmt.Sprintf("%02d:%02d:%02d.%03d", ms/3600000, ms/60000%60, ms/1000%60, ms%1000)
}

// vttEscape makes s one line of cue text: no line break, no "-->", and the
// characters WebVTT reserves escaped.
func vttEscape(s string) string {
	s = strings.Join(strings.Fields(s), " ")
	s = strings.NewReplacer("&", "&amp;", "<", "&lt;", ">", "&gt;").Replace(s)
	return s
}

func clip(s string, n int) string {
	r := []rune(strings.Join(strings.Fields(s), " "))
	if len(r) <= n {
		return string(r)
	}
	return string(r[:n-1]) + "…"
}

// subtitleLanguage is the ISO 639-2 code of the cell's language, for the
// MP4's subtitle track.
func subtitleLanguage(lang string) string {
	if strings.HasPrefix(lang, "zh") {
		return "chi"
	}
	if strings.HasPrefix(lang, "en") {
		return "eng"
	}
	return "und"
}

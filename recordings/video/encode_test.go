package video

import (
	"bytes"
	"fmt"
	"image"
	"image/color"
	"image/draw"
	"image/jpeg"
	"path/filepath"
	"testing"
	"time"

	"journeyproof"
	"journeyproof/internal/browsertest"
	"journeyproof/journeys"
)

func solidJPEG(t *testing.T, w, h int, c color.RGBA) []byte {
	t.Helper()
	img := image.NewRGBA(image.Rect(0, 0, w, h))
	draw.Draw(img, img.Bounds(), image.NewUniform(c), image.Point{}, draw.Src)
	var buf bytes.Buffer
	if err := jpeg.Encode(&buf, img, &jpeg.Options{Quality: 90}); err != nil {
		t.Fatal(err)
	}
	return buf.Bytes()
}

// The encode shows each frame from its tick to the next frame's, exactly:
// a still page lasts as long as it was on screen, and a size that is odd
// is padded to an even one.
func TestEncodeTiming(t *testing.T) {
	browsertest.Skip(t, "an ffmpeg encode per case (seconds each)")
	ms := func(n int) time.Duration { return time.Duration(n) * time.Millisecond }
	white, red, green, blue := color.RGBA{255, 255, 255, 255}, color.RGBA{255, 0, 0, 255}, color.RGBA{0, 128, 0, 255}, color.RGBA{0, 0, 255, 255}
	type frame struct {
		at time.Duration
		c  color.RGBA
	}
	type run struct {
		c     color.RGBA
		ticks int
	}
	tests := []struct {
		name         string
		w, h         int64
		lead         int64
		frames       []frame
		captured     time.Duration
		want         []run
		wantW, wantH int
	}{
		{
			name: "pages of different lengths after the set-up", w: 1366, h: 768, lead: 3,
			frames:   []frame{{0, white}, {ms(250), red}, {ms(1000), green}, {ms(1430), blue}},
			captured: ms(2500),
			want:     []run{{white, 6}, {red, 7}, {green, 5}, {blue, 10}},
			wantW:    1366, wantH: 768,
		},
		{
			name: "one still page", w: 390, h: 844,
			frames:   []frame{{0, red}},
			captured: 5 * time.Second,
			want:     []run{{red, 50}},
			wantW:    390, wantH: 844,
		},
		{
			name: "odd size", w: 391, h: 845,
			frames:   []frame{{0, blue}, {ms(700), green}},
			captured: ms(1500),
			want:     []run{{blue, 7}, {green, 8}},
			wantW:    392, wantH: 846,
		},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			fw, dir := tempFrameWriter(t)
			dev := journeyproof.Device{Name: "test", Width: tt.w, Height: tt.h, Scale: 1}
			for _, f := range tt.frames {
				data := solidJPEG(t, int(tt.w), int(tt.h), f.c)
				if f.c == white {
					data = blankFrame(dev) // the capture's own first frame
				}
				if err := fw.add(data, f.at); err != nil {
					t.Fatal(err)
				}
			}
			if err := fw.close(); err != nil {
				t.Fatal(err)
			}
			j := &job{cell: journeys.Cell{Journey: &journeys.Journey{ID: "t", Name: "Timing"}, Lang: "en", Device: dev},
				dir: dir, lead: tt.lead, captured: tt.captured,
				steps: []stepSpan{{Index: 0, Name: "Only step", Start: 0, End: tt.captured}}}
			s := New(nil, Options{})
			p, err := s.prepare(j)
			if err != nil {
				t.Fatal(err)
			}
			n, _, err := s.encode(j, p)
			if err != nil {
				t.Fatal(err)
			}
			total := 0
			for _, r := range tt.want {
				total += r.ticks
			}
			if n != total || p.ticks != int64(total) {
				t.Errorf("%d frames (plan %d), want %d", n, p.ticks, total)
			}
			path := filepath.Join(dir, videoFile)
			pr := ffprobe(t, path)
			vs := pr.Streams[pr.stream(t, "video")]
			if vs.Width != tt.wantW || vs.Height != tt.wantH {
				t.Errorf("video is %dx%d, want %dx%d", vs.Width, vs.Height, tt.wantW, tt.wantH)
			}
			var got []run
			for _, f := range videoFrames(t, path) {
				c := gridAverage(f, 0.2, 0.2, 0.8, 0.8)
				var match color.RGBA
				for _, r := range tt.want {
					if near(c, r.c, 40) {
						match = r.c
					}
				}
				if k := len(got) - 1; k >= 0 && got[k].c == match {
					got[k].ticks++
				} else {
					got = append(got, run{match, 1})
				}
			}
			if fmt.Sprint(got) != fmt.Sprint(tt.want) {
				t.Errorf("the video shows (colour, frames) %v, want %v", got, tt.want)
			}
		})
	}
}

// tempFrameWriter returns a frame writer at 10 frames a second and its
// temporary folder.
func tempFrameWriter(t *testing.T) (*frameWriter, string) {
	t.Helper()
	dir := t.TempDir()
	fw, err := newFrameWriter(dir, 10)
	if err != nil {
		t.Fatal(err)
	}
	return fw, dir
}

package verifier

import (
	"math"
	"testing"
)

func TestContrast(t *testing.T) {
	cases := []struct {
		fg, bg  string
		want    float64
		atLeast float64 // when set, the ratio must be at least this
		below   float64 // when set, the ratio must be below this
	}{
		{fg: "#777", bg: "#fff", want: 4.48, below: 4.5},
		{fg: "#000", bg: "#fff", want: 21},
		{fg: "rgb(255, 255, 255)", bg: "rgb(0, 0, 0)", want: 21},
		{fg: "#767676", bg: "#ffffff", want: 4.54, atLeast: 4.5},
		{fg: "#595959", bg: "#fff", want: 7.0, atLeast: 7},
		{fg: "#949494", bg: "#fff", want: 3.03, atLeast: 3},
		{fg: "rgb(29, 92, 80)", bg: "white", want: 7.78},
		{fg: "#fff", bg: "#fff", want: 1},
		{fg: "rgba(0, 0, 0, 0.5)", bg: "#fff", want: 3.98}, // 50% black on white is #808080
		{fg: "#000", bg: "rgba(0, 0, 0, 0)", want: 21},     // a transparent background is the white canvas
		{fg: "rgb(0 0 0 / 50%)", bg: "rgb(255 255 255)", want: 3.98},
	}
	for _, tc := range cases {
		fg, err := ParseColor(tc.fg)
		if err != nil {
			t.Fatal(err)
		}
		bg, err := ParseColor(tc.bg)
		if err != nil {
			t.Fatal(err)
		}
		got := Contrast(fg, bg)
		if math.Abs(got-tc.want) > 0.006 {
			t.Errorf("Contrast(%s, %s) = %.4f, want %.2f", tc.fg, tc.bg, got, tc.want)
		}
		if tc.atLeast > 0 && got < tc.atLeast {
			t.Errorf("Contrast(%s, %s) = %.4f, want at least %g", tc.fg, tc.bg, got, tc.atLeast)
		}
		if tc.below > 0 && got >= tc.below {
			t.Errorf("Contrast(%s, %s) = %.4f, want below %g", tc.fg, tc.bg, got, tc.below)
		}
		if back := Contrast(bg, fg); fg.A == 1 && bg.A == 1 && math.Abs(back-got) > 1e-9 {
			t.Errorf("Contrast is not symmetric for %s, %s", tc.fg, tc.bg)
		}
	}
}

func TestParseColor(t *testing.T) {
	cases := []struct {
		in   string
		want RGBA
	}{
		{"rgb(1, 2, 3)", RGBA{1, 2, 3, 1}},
		{"rgba(10, 20, 30, 0.25)", RGBA{10, 20, 30, 0.25}},
		{"rgb(10 20 30 / 40%)", RGBA{10, 20, 30, 0.4}},
		{"#0a0b0c", RGBA{10, 11, 12, 1}},
		{"#abc", RGBA{0xaa, 0xbb, 0xcc, 1}},
		{"#00000080", RGBA{0, 0, 0, 128.0 / 255}},
		{"transparent", RGBA{}},
		{" WHITE ", RGBA{255, 255, 255, 1}},
	}
	for _, tc := range cases {
		got, err := ParseColor(tc.in)
		if err != nil || got != tc.want {
			t.Errorf("ParseColor(%q) = %+v, %v; want %+v", tc.in, got, err, tc.want)
		}
	}
	for _, bad := range []string{"", "red", "rgb(1,2)", "#12", "hsl(0, 0%, 0%)", "rgb(a, b, c)"} {
		if _, err := ParseColor(bad); err == nil {
			t.Errorf("ParseColor(%q) gave no error", bad)
		}
	}
}

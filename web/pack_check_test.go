package web

import (
	"context"
	"encoding/json"
	"io"
	"net/http"
	"strings"
	"testing"
	"time"

	"github.com/chromedp/chromedp"

	"journeyproof/recordings"
	"journeyproof/recordings/pack"
)

// checkingPacker is the real pack export with a service that expects a
// business process the test release did not run.
type checkingPacker struct{}

func (checkingPacker) WritePack(ctx context.Context, name string, w io.Writer) error {
	_, err := pack.Write(ctx, pack.Options{Store: store, Browser: browser, Release: name, Version: "test", NoRenditions: true}, w)
	return err
}

func (checkingPacker) CheckPack(ctx context.Context, name string) (*PackCompleteness, error) {
	c, err := pack.Check(pack.Options{Store: store, Release: name, Expected: []*recordings.Journey{
		{ID: "sign", Name: "Sign a form", Process: "signing", Languages: []string{"en"}, Devices: []string{"desktop", "mobile"}}}})
	if err != nil {
		return nil, err
	}
	return &PackCompleteness{Complete: c.Complete, Lines: c.Lines()}, nil
}

// TestPackCompleteness: the API says what the pack would lack, and the
// download button shows it in a dialog before it downloads.
func TestPackCompleteness(t *testing.T) {
	shared.Need(t)
	s := newServer(t, Options{Packer: checkingPacker{}})
	w := request(t, s.Handler(), "GET", "/api/releases/"+release+"/pack/completeness", nil)
	if w.Code != http.StatusOK {
		t.Fatalf("status %d: %s", w.Code, w.Body)
	}
	var res PackCompleteness
	if err := json.Unmarshal(w.Body.Bytes(), &res); err != nil {
		t.Fatal(err)
	}
	want := "Digital signing (sign): not run in this release; all 2 cells missing: sign/en/desktop, sign/en/mobile"
	if res.Complete || !strings.Contains(strings.Join(res.Lines, "\n"), want) {
		t.Fatalf("completeness %+v, want incomplete with %q", res, want)
	}
	if w := request(t, newServer(t, Options{Packer: testPacker{}}).Handler(), "GET", "/api/releases/"+release+"/pack/completeness", nil); w.Code != http.StatusNotFound {
		t.Errorf("a Packer that cannot check: status %d, want 404", w.Code)
	}

	base := serve(t, s)
	ctx := tab(t, base+"/?release="+release, 60*time.Second)
	if err := chromedp.Do(ctx, chromedp.Click(chromedp.CSS("#pack"))); err != nil {
		t.Fatal(err)
	}
	waitFor(t, ctx, `!!document.querySelector("dialog.pack-check[open]")`, 10*time.Second)
	text := eval[string](t, ctx, `document.querySelector("dialog.pack-check").innerText`)
	for _, w := range []string{"This evidence pack is incomplete", want, "Download anyway", "Cancel"} {
		if !strings.Contains(text, w) {
			t.Errorf("dialog has no %q:\n%s", w, text)
		}
	}
	if err := chromedp.Do(ctx, chromedp.Click(chromedp.CSS("dialog.pack-check .button.primary"))); err != nil {
		t.Fatal(err)
	}
	waitFor(t, ctx, `!document.querySelector("dialog.pack-check")`, 5*time.Second)
}

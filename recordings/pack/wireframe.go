package pack

import (
	"bufio"
	"bytes"
	"context"
	"embed"
	"fmt"
	"html/template"
	"io"
	"net/http"
	"net/http/httptest"
	"os"
	"path/filepath"
	"regexp"
	"runtime"
	"strings"
	"sync"
	"time"

	"github.com/chromedp/cdproto/cdp"
	cdpio "github.com/chromedp/cdproto/io"
	"github.com/chromedp/cdproto/page"
	"github.com/chromedp/chromedp"

	"journeyproof/journeys/chrome"
)

//go:embed templates/*.html
var templateFiles embed.FS

var templateFuncs = template.FuncMap{
	"mm":   func(v float64) template.CSS { return template.CSS(fmt.Sprintf("%.2fmm", v)) },
	"pct":  func(v float64) template.CSS { return template.CSS(fmt.Sprintf("%.2f%%", v)) },
	"join": strings.Join,
	"cls":  func(s string) string { return strings.ReplaceAll(strings.ToLower(s), " ", "-") },
	"box": func(m marker) template.CSS {
		return template.CSS(fmt.Sprintf("left: %.3f%%; top: %.3f%%; width: %.3f%%; height: %.3f%%", m.Left, m.Top, m.Wid, m.Hei))
	},
}

// PageH is the height of a fixed page section: the printable height less a
// little, so that rounding never spills a section onto a second page.
func (b *board) PageH() float64 { return contentH - 1.5 }

// printedWireframe is a wireframe PDF printed into a temporary file.
type printedWireframe struct {
	Wireframe
	file string
}

// printWireframes prints one PDF per process of the selection, a few at a
// time, each in its own tab. The storyboards and their screenshots are
// served to the tabs from a loopback server that reads the artifact files
// as the tab asks for them.
func printWireframes(ctx context.Context, b *chrome.Browser, o *Options, sel *selection, videos map[uint]*runVideo, dir string) ([]printedWireframe, error) {
	tmpl, err := template.New("storyboard.html").Funcs(templateFuncs).ParseFS(templateFiles, "templates/storyboard.html")
	if err != nil {
		return nil, fmt.Errorf("export pack: storyboard template: %w", err)
	}
	procs := sel.processes()
	pages := map[string][]byte{}
	imgs := newPrintImages()
	info := storeScreenshots(o.Store)
	boards := make([]*board, len(procs))
	for i, p := range procs {
		boards[i] = buildBoard(o, sel, p, videos, info, imgs)
		var buf bytes.Buffer
		if err := tmpl.Execute(&buf, boards[i]); err != nil {
			return nil, fmt.Errorf("export pack: storyboard of %s: %w", p, err)
		}
		pages[processFile(p)] = buf.Bytes()
	}
	srv := httptest.NewServer(boardHandler(pages, imgs, o.Store.ArtifactPath))
	defer srv.Close()

	out := make([]printedWireframe, len(procs))
	errs := make([]error, len(procs))
	sem := make(chan struct{}, max(1, min(3, runtime.NumCPU())))
	var wg sync.WaitGroup
	for i, p := range procs {
		name := processFile(p)
		out[i] = printedWireframe{Wireframe: Wireframe{Path: "wireframes/" + name + ".pdf", Process: p}, file: filepath.Join(dir, name+".pdf")}
		wg.Go(func() {
			sem <- struct{}{}
			defer func() { <-sem }()
			footer := footerTemplate(sel.release, boards[i].ProcessTitle)
			n, err := printPDF(ctx, b, srv.URL+"/board/"+name+".html", footer, out[i].file)
			if err != nil {
				errs[i] = fmt.Errorf("export pack: print wireframe of %s: %w", p, err)
				return
			}
			out[i].Bytes = n
			out[i].Pages, errs[i] = countPages(out[i].file)
		})
	}
	wg.Wait()
	for _, err := range errs {
		if err != nil {
			return nil, err
		}
	}
	return out, nil
}

// boardHandler serves the storyboards and the screenshots they show (shrunk
// to the print resolution), and nothing else.
func boardHandler(pages map[string][]byte, imgs *printImages, artifactPath func(string) string) http.Handler {
	mux := http.NewServeMux()
	mux.HandleFunc("GET /board/{name}", func(w http.ResponseWriter, r *http.Request) {
		html, ok := pages[strings.TrimSuffix(r.PathValue("name"), ".html")]
		if !ok {
			http.NotFound(w, r)
			return
		}
		w.Header().Set("Content-Type", "text/html; charset=utf-8")
		w.Write(html)
	})
	mux.HandleFunc("GET /a/{sha}", func(w http.ResponseWriter, r *http.Request) {
		sha := r.PathValue("sha")
		p := artifactPath(sha)
		if !imgs.has(sha) || p == "" {
			http.NotFound(w, r)
			return
		}
		w.Header().Set("Content-Type", "image/png")
		w.Header().Set("Cache-Control", "max-age=3600")
		if f := imgs.shrinkFactor(sha); f > 1 {
			data, err := shrinkPNGFile(p, f)
			if err != nil {
				http.Error(w, err.Error(), http.StatusInternalServerError)
				return
			}
			w.Write(data)
			return
		}
		http.ServeFile(w, r, p)
	})
	return mux
}

// footerTemplate is the PDF footer: what the document is, and the page
// number.
func footerTemplate(release, process string) string {
	esc := template.HTMLEscapeString
	return `<div style="width: 100%; margin: 0 10mm; font-size: 7.5pt; color: #5d6b76; font-family: 'Noto Sans CJK TC', 'Liberation Sans', sans-serif; display: flex; justify-content: space-between;">` +
		`<span>journeyproof wireframe · ` + esc(process) + ` · release ` + esc(release) + `</span>` +
		`<span>Page <span class="pageNumber"></span> of <span class="totalPages"></span></span></div>`
}

// printPDF opens url in a new tab, waits for its images and fonts, and
// prints it to file (A4 landscape, backgrounds, footer), streaming the PDF
// from the browser. It returns the file's size.
func printPDF(ctx context.Context, b *chrome.Browser, url, footer, file string) (int64, error) {
	tctx, cancel := chromedp.NewContext(b.Context())
	defer cancel()
	stop := context.AfterFunc(ctx, cancel)
	defer stop()
	tctx, cancelT := context.WithTimeout(tctx, 10*time.Minute)
	defer cancelT()
	if err := chromedp.Do(tctx, chromedp.Navigate(url)); err != nil {
		return 0, fmt.Errorf("open storyboard: %w", err)
	}
	broken, err := chromedp.Run(tctx, chromedp.Evaluate[int](
		`document.fonts.ready.then(() => [...document.images].filter(i => !i.complete || i.naturalWidth === 0).length)`, chromedp.EvalAwaitPromise))
	if err != nil {
		return 0, fmt.Errorf("wait for the storyboard's images: %w", err)
	}
	if broken > 0 {
		return 0, fmt.Errorf("%d screenshots of the storyboard did not load", broken)
	}
	f, err := os.Create(file)
	if err != nil {
		return 0, err
	}
	defer f.Close()
	bw := bufio.NewWriterSize(f, 1<<20)
	opts := []chromedp.PDFOption{
		chromedp.PDFPaper(chromedp.PaperA4), chromedp.PDFLandscape(), chromedp.PDFPrintBackground(),
		chromedp.PDFMargins(marginTop/25.4, marginSide/25.4, marginBottom/25.4, marginSide/25.4),
		chromedp.PDFHeaderTemplate(`<span></span>`), chromedp.PDFFooterTemplate(footer),
	}
	n, err := chromedp.Run(tctx, printToWriter(bw, opts...))
	if err != nil {
		return 0, err
	}
	if err := bw.Flush(); err != nil {
		return 0, err
	}
	return n, f.Close()
}

// printToWriter prints the page to PDF and copies the browser's stream of
// the file to w piece by piece, so that a large PDF is never held whole.
func printToWriter(w io.Writer, opts ...chromedp.PDFOption) chromedp.Action[int64] {
	return func(ctx context.Context, t *chromedp.Target) (n int64, err error) {
		var p page.PrintToPDFParams
		for _, o := range opts {
			o(&p)
		}
		p.TransferMode = page.PrintToPDFTransferModeReturnAsStream
		res, err := cdp.Call(ctx, t, page.PrintToPDF, p)
		if err != nil {
			return 0, fmt.Errorf("print to PDF: %w", err)
		}
		defer func() {
			cctx, cancel := context.WithTimeout(context.WithoutCancel(ctx), 5*time.Second)
			defer cancel()
			cdp.Call(cctx, t, cdpio.Close, cdpio.CloseParams{Handle: res.Stream})
		}()
		for {
			chunk, err := cdp.Call(ctx, t, cdpio.Read, cdpio.ReadParams{Handle: res.Stream, Size: 4 << 20})
			if err != nil {
				return n, fmt.Errorf("read the PDF: %w", err)
			}
			k, err := w.Write(chunk.Data)
			n += int64(k)
			if err != nil {
				return n, err
			}
			if chunk.EOF {
				return n, nil
			}
		}
	}
}

var pageObject = regexp.MustCompile(`/Type\s*/Page[^s]`)

// countPages counts the page objects of a PDF that Chromium printed (its
// page objects are plain, not in object streams).
func countPages(file string) (int, error) {
	data, err := os.ReadFile(file)
	if err != nil {
		return 0, err
	}
	return len(pageObject.FindAllIndex(data, -1)), nil
}

package main

import (
	"context"
	"fmt"
	"log/slog"
	"net"
	"net/http"
	"os"
	"os/exec"
	"strings"
	"time"

	"journeyproof/journeys"
	"journeyproof/journeys/sandbox"
	"journeyproof/recordings"
	"journeyproof/verifier"
)

// engine is what a run needs: the store, one browser, the rule pack, and
// how to capture video. run, demo and the web app's "start a run" share it.
type engine struct {
	store         *recordings.Store
	browser       *journeys.Browser
	pack          *verifier.Pack
	parallel      int
	noScreenshots bool
	noChecks      bool
	video         videoConfig
	logger        *slog.Logger
}

// invocation is one run of cells under a release.
type invocation struct {
	Release  string
	BaseURL  string
	Cells    []journeys.Cell
	Progress func(journeys.Event)
}

// outcome is what an invocation left: results in cell order, and the
// recorder that knows each cell's run id.
type outcome struct {
	Results  []journeys.CellResult
	Recorder *recordings.Recorder
}

// run runs the cells and stores the evidence; it returns when every video
// is encoded.
func (e *engine) run(ctx context.Context, inv invocation) (*outcome, error) {
	rec := &recordings.Recorder{Store: e.store, Release: inv.Release, BaseURL: inv.BaseURL, BrowserVersion: e.browser.Version()}
	if vs := e.video.source(e.store, e.parallel, e.logger); vs != nil {
		rec.Video = vs
	}
	r := &journeys.Runner{Browser: e.browser, BaseURL: inv.BaseURL, Parallel: e.parallel, NoScreenshots: e.noScreenshots,
		Observer: rec, Progress: inv.Progress, Logger: e.logger}
	if !e.noChecks {
		r.Checker = &checker{pack: e.pack, store: e.store}
	}
	results := r.Run(ctx, inv.Cells)
	err := rec.Wait()
	return &outcome{Results: results, Recorder: rec}, err
}

// openEngine opens the store (marking interrupted the runs of processes
// that are gone, and removing their leftovers), starts Chromium (removing
// the profiles killed processes left) and loads the rule pack.
func openEngine(ctx context.Context, dataDir, rulesFile string, parallel int) (*engine, error) {
	var pack *verifier.Pack
	if rulesFile != "" {
		p, err := verifier.LoadPack(rulesFile)
		if err != nil {
			return nil, err
		}
		pack = p
	} else {
		pack = verifier.DefaultPack()
	}
	store, err := recordings.Open(recordings.DataDir(dataDir))
	if err != nil {
		return nil, err
	}
	logger := slog.New(slog.NewTextHandler(os.Stderr, &slog.HandlerOptions{Level: slog.LevelWarn}))
	removeLeftovers(store, logger)
	b, err := journeys.StartBrowser(ctx, journeys.BrowserOptions{})
	if err != nil {
		store.Close()
		return nil, err
	}
	return &engine{store: store, browser: b, pack: pack, parallel: parallel, logger: logger}, nil
}

func (e *engine) close() {
	e.browser.Close()
	e.store.Close()
}

// startSandbox serves the built-in sandbox on addr (":0" style for a free
// port) and returns its base URL and a stop func.
func startSandbox(addr string, defects []string) (string, func(), error) {
	sb, err := sandbox.New(sandbox.Options{Defects: defects})
	if err != nil {
		return "", nil, err
	}
	ln, err := net.Listen("tcp", addr)
	if err != nil {
		return "", nil, fmt.Errorf("sandbox: listen on %s: %w", addr, err)
	}
	srv := &http.Server{Handler: sb, ReadHeaderTimeout: 10 * time.Second}
	go srv.Serve(ln)
	stop := func() {
		ctx, cancel := context.WithTimeout(context.Background(), 5*time.Second)
		defer cancel()
		srv.Shutdown(ctx)
	}
	return "http://" + ln.Addr().String(), stop, nil
}

// ffmpegVersion returns the first line of `ffmpeg -version`, or "" when
// ffmpeg is missing.
func ffmpegVersion() string {
	out, err := exec.Command("ffmpeg", "-version").Output()
	if err != nil {
		return ""
	}
	line, _, _ := strings.Cut(string(out), "\n")
	fields := strings.Fields(line)
	if len(fields) >= 3 {
		return "ffmpeg " + fields[2]
	}
	return line
}

// errorLine prints err as the one-line error of a command.
func errorLine(env *cli, err error) {
	fmt.Fprintln(env.stderr, "journeyproof: "+strings.Join(strings.Fields(err.Error()), " "))
}

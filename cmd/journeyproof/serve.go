package main

import (
	"context"
	"errors"
	"fmt"
	"io"
	"net"
	"os"

	"journeyproof/engine"
	"journeyproof/journeys"
	"journeyproof/journeys/examples"
	"journeyproof/recordings/pack"
	"journeyproof/web"
)

func cmdServe(ctx context.Context, env *cli, args []string) int {
	fs := newFlags(env, "serve", "[flags]", "Serves the web app on the evidence store: the coverage matrix of each release, runs as storyboards\nwith their videos and findings, the journeys, and a form to start runs in the background.\nBinding to an address other than loopback needs --token (or JOURNEYPROOF_TOKEN).")
	addr := fs.String("addr", envOr("JOURNEYPROOF_ADDR", "127.0.0.1:8080"), "address to listen on (env JOURNEYPROOF_ADDR)")
	token := fs.String("token", "", "token every request needs, at least 16 characters (env JOURNEYPROOF_TOKEN); required off loopback")
	sf := addStoreFlags(fs)
	work := fs.Bool("work", true, "run the cells started from the web app in this process too (with --db, --work=false leaves them to the workers)")
	queueName := queueFlag(fs, "queue", "queue the web app's runs go to (env JOURNEYPROOF_QUEUE)")
	jobTimeout := jobTimeoutFlag(fs)
	files := fs.String("journeys", "", "journey files that can be run from the web app, comma-separated, besides the bundled ones")
	withSandbox := fs.Bool("sandbox", true, "start the built-in sandbox on a free port as the default base URL of new runs")
	defects := fs.String("sandbox-defects", "", "defects to switch on in the built-in sandbox")
	rules := rulesFlag(fs, rulesHelp)
	parallel := parallelFlag(fs)
	evidence := addEvidenceFlags(fs, "workflow video of new runs", false)
	service := fs.String("service", "", "service file whose preflight the Readiness page runs (default: ./journeyproof.yaml when it exists)")
	by := fs.String("by", "", "who review decisions and approvals are recorded under without a token (default: env JOURNEYPROOF_BY, else the user name); with a token each reviewer gives a name at login")
	if _, done, code := parseFlags(env, fs, args); done {
		return code
	}
	readiness, err := loadReadiness(*service)
	if err != nil {
		return errorExit(env, err, exitUsage)
	}
	*token = flagOrEnv(*token, "JOURNEYPROOF_TOKEN", "")
	if err := checkBind(*addr, *token); err != nil {
		return errorExit(env, err, exitUsage)
	}
	if err := evidence.check(); err != nil {
		return errorExit(env, err, exitUsage)
	}
	if *parallel < 1 {
		return usageError(env, "serve", "--parallel must be at least 1")
	}
	js, err := runnableJourneys(splitList(*files))
	if err != nil {
		return errorExit(env, err, exitUsage)
	}
	baseURL := ""
	if *withSandbox {
		url, stop, err := startSandbox("127.0.0.1:0", splitList(*defects))
		if err != nil {
			return errorExit(env, err, exitUsage)
		}
		defer stop()
		baseURL = url
	}
	e, code := sf.openEngine(ctx, env, engine.Config{Rules: *rules, Parallel: *parallel, Queue: *queueName, Work: *work, JobTimeout: *jobTimeout})
	if e == nil {
		return code
	}
	defer e.Close()
	evidence.apply(e, env.stderr)
	return serveWeb(ctx, env, e, webConfig{addr: *addr, token: *token, baseURL: baseURL, journeys: js, readiness: readiness, by: *by})
}

// runnableJourneys returns the bundled journeys and the files; a file's
// journey replaces a bundled one with the same id.
func runnableJourneys(files []string) ([]*journeys.Journey, error) {
	bundled, err := examples.Load()
	if err != nil {
		return nil, err
	}
	own, err := journeys.LoadFiles(files)
	if err != nil {
		return nil, err
	}
	ids := map[string]bool{}
	for _, j := range own {
		ids[j.ID] = true
	}
	out := append([]*journeys.Journey(nil), own...)
	for _, j := range bundled {
		if !ids[j.ID] {
			out = append(out, j)
		}
	}
	return out, nil
}

// webConfig is how serveWeb serves the app.
type webConfig struct {
	addr, token string
	// baseURL is the default base URL of runs started from the app.
	baseURL  string
	journeys []*journeys.Journey
	// release, when set, is the release the printed URL opens.
	release string
	// readiness runs the service's preflight; nil hides the page.
	readiness web.Readiness
	// by is who review decisions are recorded under ("" for the default).
	by string
}

// serveWeb serves the web app on the engine's store until ctx ends
// (Ctrl-C), then stops the runs in progress and marks them interrupted.
func serveWeb(ctx context.Context, env *cli, e *engine.Engine, cfg webConfig) int {
	if err := checkBind(cfg.addr, cfg.token); err != nil {
		return errorExit(env, err, exitUsage)
	}
	reviewer, source := cfg.by, "given with --by"
	if reviewer == "" {
		reviewer, source = defaultReviewer(), "the user name of the server's process; start it with --by NAME to record another"
		if os.Getenv("JOURNEYPROOF_BY") != "" {
			source = "JOURNEYPROOF_BY"
		}
	}
	srv, err := web.New(web.Options{Store: e.Store, Starter: &engine.Starter{Engine: e, Runnable: cfg.journeys}, Packer: enginePacker{e: e, readiness: cfg.readiness},
		BaseURL: cfg.baseURL, Token: cfg.token, Version: version, Logger: e.Logger, Reviewer: reviewer, ReviewerSource: source, Readiness: cfg.readiness, Workforce: engineWorkforce{e}})
	if err != nil {
		return errorExit(env, err, exitFailed)
	}
	ln, err := net.Listen("tcp", cfg.addr)
	if err != nil {
		errorLine(env, fmt.Errorf("web app: listen on %s: %w", cfg.addr, err))
		srv.Shutdown(context.Background())
		return exitFailed
	}
	url := "http://" + displayAddr(ln.Addr()) + "/"
	if cfg.release != "" {
		url += "?release=" + cfg.release
	}
	fmt.Fprintf(env.stdout, "Web app at %s (evidence in %s)\n", url, absPath(e.Store.Dir()))
	if cfg.baseURL != "" {
		fmt.Fprintf(env.stdout, "Runs started from the web app default to the sandbox at %s\n", cfg.baseURL)
	}
	if cfg.token != "" {
		fmt.Fprintln(env.stdout, "Every request needs the token: log in with it, or send Authorization: Bearer TOKEN.")
	}
	fmt.Fprintln(env.stdout, "Press Ctrl-C to stop.")
	go e.WatchRuns(ctx)
	if err := srv.Serve(ctx, ln); err != nil && !errors.Is(err, context.Canceled) {
		return errorExit(env, err, exitFailed)
	}
	fmt.Fprintln(env.stdout, "\nStopped.")
	return exitOK
}

// checkBind refuses a listen address (--addr) that is not a loopback
// address unless a token is given: the web app shows the evidence and
// starts runs, so on a network everyone needs the token.
func checkBind(addr, token string) error {
	host, _, err := net.SplitHostPort(addr)
	if err != nil {
		return fmt.Errorf("--addr %q is not host:port: %v", addr, err)
	}
	if token != "" {
		return web.CheckToken(token)
	}
	if web.IsLoopbackHost(host) {
		return nil
	}
	return fmt.Errorf("--addr %s is not a loopback address: give --token (or JOURNEYPROOF_TOKEN) so that only people with the token can use the web app, or bind 127.0.0.1", addr)
}

// displayAddr is the listen address as people type it: the host name for
// an address that listens on every interface.
func displayAddr(a net.Addr) string {
	host, port, err := net.SplitHostPort(a.String())
	if err != nil {
		return a.String()
	}
	if ip := net.ParseIP(host); ip != nil && ip.IsUnspecified() {
		if h, err := os.Hostname(); err == nil && h != "" {
			host = h
		}
	}
	return net.JoinHostPort(host, port)
}

// enginePacker writes the evidence pack of the web app's download button
// with the engine's store, browser and rule pack.
type enginePacker struct {
	e *engine.Engine
	// readiness, when set, is the service whose preflight the pack carries.
	readiness web.Readiness
}

func (p enginePacker) WritePack(ctx context.Context, release string, w io.Writer) error {
	o := pack.Options{Store: p.e.Store, Browser: p.e.Browser, Release: release, Rules: packRuleIDs(p.e.Pack), Version: version, FFmpegVersion: ffmpegVersion()}
	if err := p.expect(&o); err != nil {
		return err
	}
	if sr, ok := p.readiness.(serviceReadiness); ok {
		pre, err := sr.packReport(ctx, p.e.Store, release)
		if err != nil {
			return err
		}
		o.Preflight = pre
	}
	_, err := pack.Write(ctx, o, w)
	return err
}

// expect gives the pack the service's expected processes, name and
// production origin: the service serve was given, else the one export
// would find.
func (p enginePacker) expect(o *pack.Options) error {
	var svc *journeys.Service
	if sr, ok := p.readiness.(serviceReadiness); ok {
		svc = sr.svc
	} else {
		var err error
		if svc, err = exportService("", p.e.Store, o.Release); err != nil {
			return err
		}
	}
	if svc == nil {
		return nil
	}
	exp, err := expectedJourneys(svc)
	if err != nil {
		return err
	}
	o.Expected, o.ServiceName, o.Origin = exp, svc.Name, svc.Origin
	return nil
}

// CheckPack says what the release's pack would lack (web.PackChecker).
func (p enginePacker) CheckPack(ctx context.Context, release string) (*web.PackCompleteness, error) {
	o := pack.Options{Store: p.e.Store, Release: release}
	if err := p.expect(&o); err != nil {
		return nil, err
	}
	c, err := pack.Check(o)
	if err != nil {
		return nil, err
	}
	return &web.PackCompleteness{Complete: c.Complete, Lines: c.Lines()}, nil
}

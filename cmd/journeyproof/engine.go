package main

import (
	"context"
	"fmt"
	"net"
	"net/http"
	"os/exec"
	"regexp"
	"strings"
	"time"

	"journeyproof/engine"
	"journeyproof/journeys/sandbox"
)

// engineExit is the exit code of a command whose engine could not open:
// 2 for a bad rule pack or database URL, else 1.
func engineExit(err error) int {
	if engine.IsUsage(err) {
		return exitUsage
	}
	return exitFailed
}

// openEngine opens the engine of a command: --data and --db (in cfg) fall
// back to JOURNEYPROOF_DATA and JOURNEYPROOF_DB, then to the defaults.
func openEngine(ctx context.Context, cfg engine.Config) (*engine.Engine, error) {
	cfg.DataDir, cfg.DB = dataDir(cfg.DataDir), dbURL(cfg.DB)
	return engine.Open(ctx, cfg)
}

// startSandbox serves the built-in sandbox on addr (":0" style for a free
// port) and returns its base URL and a stop func.
func startSandbox(addr string, defects []string) (string, func(), error) {
	return startSandboxWith(addr, sandbox.Options{Defects: defects})
}

// startSandboxWith serves a sandbox made with opts on addr.
func startSandboxWith(addr string, opts sandbox.Options) (string, func(), error) {
	sb, err := sandbox.New(opts)
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
	msg := strings.Join(strings.Fields(err.Error()), " ")
	if positioned.MatchString(msg) {
		// file:line:col: comes first, as compilers print it, so editors and
		// CI annotate the line.
		fmt.Fprintln(env.stderr, msg)
		return
	}
	fmt.Fprintln(env.stderr, "journeyproof: "+msg)
}

// positioned matches a message that starts with file:line:col:.
var positioned = regexp.MustCompile(`^[^\s:][^:]*:\d+:\d+: `)

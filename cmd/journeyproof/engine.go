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

// openEngine opens the engine of a command on the store of --data and
// --db (they fall back to JOURNEYPROOF_DATA and JOURNEYPROOF_DB, then to
// the defaults) with the rest of cfg. On failure it prints the error and
// returns nil and the exit code: 2 for a bad rule pack or database URL,
// else 1.
func (f storeFlags) openEngine(ctx context.Context, env *cli, cfg engine.Config) (*engine.Engine, int) {
	cfg.DataDir, cfg.DB = f.dir(), f.url()
	e, err := engine.Open(ctx, cfg)
	if err != nil {
		errorLine(env, err)
		if engine.IsUsage(err) {
			return nil, exitUsage
		}
		return nil, exitFailed
	}
	return e, exitOK
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

// errorExit prints err as the one-line error of a command and returns the
// exit code code.
func errorExit(env *cli, err error, code int) int {
	errorLine(env, err)
	return code
}

// positioned matches a message that starts with file:line:col:.
var positioned = regexp.MustCompile(`^[^\s:][^:]*:\d+:\d+: `)

package main

import (
	"context"
	"errors"
	"fmt"
	"io"
	"net/url"
	"time"

	"journeyproof/preflight"
	"journeyproof/recordings"
)

func cmdPreflight(ctx context.Context, env *cli, args []string) int {
	fs := newFlags(env, "preflight", "[--service FILE] [URL...] [--ite-cert PEM] [--prod-cert PEM] [--release NAME] [--json]",
		"Checks the iAM Smart integration checklist before ITE and production: the TLS certificate of the\n"+
			"service's origin and callbacks (public root, host name, 30 days left, TLS 1.2 or later only, key\n"+
			"strength), its App Link and Universal Link files, its callbacks (https, on its domain, reachable,\n"+
			"every redirectURI a release sent declared) and its encipherment certificates (ITE and production\n"+
			"must not share a key). The service file (journeyproof.yaml here, or --service) gives the origin,\n"+
			"callbacks and certificates; without one, the first URL is the origin.\n"+
			"Exit 0 no error, 1 any error finding, 2 bad usage or bad service file.")
	service := fs.String("service", "", "service file (default: ./journeyproof.yaml when it exists)")
	iteCert := fs.String("ite-cert", "", "PEM encipherment certificate for ITE (default: the service file's)")
	prodCert := fs.String("prod-cert", "", "PEM encipherment certificate for production (default: the service file's)")
	release := fs.String("release", "", "also check that every redirectURI this release's trigger requests sent is a declared callback")
	sf := addStoreFlags(fs)
	asJSON := fs.Bool("json", false, "print the report as one JSON object")
	timeout := fs.Duration("timeout", 10*time.Second, "how long each connection and request may take")
	pos, done, code := parseFlags(env, fs, args)
	if done {
		return code
	}
	cfg, err := preflightConfig(*service, pos, *iteCert, *prodCert)
	if err != nil {
		return errorExit(env, err, exitUsage)
	}
	if *release != "" && cfg.Service == "" {
		return usageError(env, "preflight", "--release compares the redirectURIs with the service file's callbacks; give --service FILE (or run in the folder of journeyproof.yaml)")
	}
	if *release != "" {
		store, err := sf.open()
		if err != nil {
			return errorExit(env, err, exitUsage)
		}
		cfg.Redirects, err = releaseRedirects(store, *release)
		store.Close()
		if err != nil {
			return errorExit(env, err, exitUsage)
		}
		cfg.Release = *release
	}
	rep, err := (&preflight.Checker{Timeout: *timeout}).Run(ctx, cfg)
	if err != nil {
		return usageError(env, "preflight", fmt.Sprint(err))
	}
	if *asJSON {
		printJSON(env.stdout, rep, false)
	} else {
		printPreflight(env.stdout, rep)
	}
	if rep.Errors > 0 {
		return exitFailed
	}
	return exitOK
}

// preflightConfig reads the service file (explicit, else ./journeyproof.yaml
// when there is one) and the URLs into what to check.
func preflightConfig(service string, urls []string, iteCert, prodCert string) (preflight.Config, error) {
	var cfg preflight.Config
	svc, err := findService(service)
	if err != nil {
		return cfg, err
	}
	if svc != nil {
		cfg = serviceConfig(svc)
		cfg.URLs = urls
	} else if len(urls) > 0 {
		u, err := url.Parse(urls[0])
		if err != nil || u.Host == "" || (u.Scheme != "https" && u.Scheme != "http") {
			return cfg, fmt.Errorf("preflight: %q is not an absolute URL such as https://eservice.example.gov.hk", urls[0])
		}
		cfg.Origin = u.Scheme + "://" + u.Host
		cfg.URLs = urls[1:]
	}
	if iteCert != "" {
		cfg.ITECert = iteCert
	}
	if prodCert != "" {
		cfg.ProdCert = prodCert
	}
	if cfg.Origin == "" && len(cfg.URLs) == 0 && cfg.ITECert == "" && cfg.ProdCert == "" {
		return cfg, errors.New("preflight: nothing to check; give a URL, --ite-cert/--prod-cert, or a service file (journeyproof init writes one)")
	}
	return cfg, nil
}

// releaseRedirects reads the redirectURI of every trigger request a
// release's runs sent.
func releaseRedirects(store *recordings.Store, release string) ([]preflight.Redirect, error) {
	ok, err := store.HasRelease(release)
	if err != nil {
		return nil, err
	}
	if !ok {
		return nil, fmt.Errorf("preflight: no release %q in %s", release, store.Dir())
	}
	runs, _, err := store.Runs(recordings.RunFilter{Release: release})
	if err != nil {
		return nil, err
	}
	var out []preflight.Redirect
	for _, r := range runs {
		run, err := store.Run(r.ID)
		if err != nil {
			return nil, err
		}
		for _, s := range run.Steps {
			if s.Request == "" {
				continue
			}
			u, err := url.Parse(s.Request)
			if err != nil || u.Query().Get("redirectURI") == "" {
				continue
			}
			out = append(out, preflight.Redirect{URI: u.Query().Get("redirectURI"), Page: s.URL, Where: fmt.Sprintf("run %d (%s)", run.ID, run.Cell())})
		}
	}
	return out, nil
}

// printPreflight writes the report as a table and a summary line.
func printPreflight(w io.Writer, rep *preflight.Report) {
	tw := newTable(w)
	fmt.Fprintf(tw, "STATUS\tCHECK\tTARGET\tMESSAGE\n")
	for _, c := range rep.Checks {
		fmt.Fprintf(tw, "%s\t%s\t%s\t%s\n", c.Status, c.ID, c.Target, c.Message)
	}
	tw.Flush()
	about := rep.Origin
	if rep.Service != "" {
		about = rep.Service + ", " + rep.Origin
	}
	if about != "" {
		about = " for " + about
	}
	count := func(n int, what string) string {
		if n == 1 {
			return "1 " + what
		}
		return fmt.Sprintf("%d %ss", n, what)
	}
	fmt.Fprintf(w, "%s%s: %s, %s\n", count(len(rep.Checks), "check"), about, count(rep.Errors, "error"), count(rep.Warnings, "warning"))
}

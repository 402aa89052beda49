package main

import (
	"context"
	"fmt"
	"io"

	"journeyproof/journeys"
	"journeyproof/preflight"
	"journeyproof/recordings"
	"journeyproof/web"
)

// serviceReadiness runs the preflight of a service file for the web app's
// Readiness page.
type serviceReadiness struct{ svc *journeys.Service }

// findService reads the service file: explicit, else ./journeyproof.yaml
// when there is one; nil when there is none.
func findService(explicit string) (*journeys.Service, error) {
	path, err := journeys.FindServiceFile(explicit, ".")
	if err != nil || path == "" {
		return nil, err
	}
	return journeys.LoadService(path)
}

// loadReadiness reads the service file (explicit, else ./journeyproof.yaml
// when there is one); nil when there is none.
func loadReadiness(explicit string) (web.Readiness, error) {
	svc, err := findService(explicit)
	if err != nil || svc == nil {
		return nil, err
	}
	return serviceReadiness{svc}, nil
}

// serviceConfig is what preflight checks for a service.
func serviceConfig(svc *journeys.Service) preflight.Config {
	return preflight.Config{Service: svc.Name, Origin: svc.Origin, Callbacks: svc.Callbacks,
		ITECert: svc.Path(svc.ITECert), ProdCert: svc.Path(svc.ProdCert)}
}

func (r serviceReadiness) Target() web.ReadinessTarget {
	cfg := serviceConfig(r.svc)
	return web.ReadinessTarget{Service: cfg.Service, File: r.svc.File, Origin: cfg.Origin, Callbacks: cfg.Callbacks, ITECert: cfg.ITECert, ProdCert: cfg.ProdCert}
}

func (r serviceReadiness) Check(ctx context.Context) (*preflight.Report, error) {
	return (&preflight.Checker{}).Run(ctx, serviceConfig(r.svc))
}

// exportPreflight runs the preflight of the service file (explicit, else
// ./journeyproof.yaml when there is one) for an evidence pack; nil when
// there is no service file. What it finds is summed up on warn.
func exportPreflight(ctx context.Context, explicit string, store *recordings.Store, release string, warn io.Writer) (*preflight.Report, error) {
	svc, err := findService(explicit)
	if err != nil || svc == nil {
		return nil, err
	}
	rep, err := serviceReadiness{svc}.packReport(ctx, store, release)
	if err != nil {
		return nil, fmt.Errorf("preflight of %s: %w", svc.File, err)
	}
	if rep != nil && rep.Errors+rep.Warnings > 0 {
		fmt.Fprintf(warn, "warning: preflight of %s: %d errors, %d warnings (preflight.json and Readiness in report.html)\n", svc.Origin, rep.Errors, rep.Warnings)
	}
	return rep, nil
}

// packReport is the preflight an evidence pack of the release carries,
// with the redirectURIs the release sent; nil when the service gives no
// origin.
func (r serviceReadiness) packReport(ctx context.Context, store *recordings.Store, release string) (*preflight.Report, error) {
	if r.svc.Origin == "" {
		return nil, nil
	}
	if ok, err := store.HasRelease(release); err != nil || !ok {
		return nil, err // the pack says what is wrong with the release
	}
	cfg := serviceConfig(r.svc)
	var err error
	if cfg.Redirects, err = releaseRedirects(store, release); err != nil {
		return nil, err
	}
	cfg.Release = release
	return (&preflight.Checker{}).Run(ctx, cfg)
}

package main

import (
	"context"

	"journeyproof/journeys"
	"journeyproof/preflight"
	"journeyproof/web"
)

// serviceReadiness runs the preflight of a service file for the web app's
// Readiness page.
type serviceReadiness struct{ svc *journeys.Service }

// loadReadiness reads the service file (explicit, else ./journeyproof.yaml
// when there is one); nil when there is none.
func loadReadiness(explicit string) (web.Readiness, error) {
	path, err := journeys.FindServiceFile(explicit, ".")
	if err != nil || path == "" {
		return nil, err
	}
	svc, err := journeys.LoadService(path)
	if err != nil {
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

package main

import (
	"fmt"
	"os"
	"path/filepath"
	"strings"

	"journeyproof"
	"journeyproof/journeys"
	"journeyproof/journeys/examples"
	"journeyproof/recordings"
)

// exportService finds the service file an export takes its expected
// processes, name and production origin from: --service, else
// ./journeyproof.yaml, else the service file beside the journey files the
// release ran (the bundled journeys' own, for a demo release). It returns
// nil when there is none.
func exportService(explicit string, store *recordings.Store, release string) (*journeys.Service, error) {
	if svc, err := findService(explicit); err != nil || svc != nil {
		return svc, err
	}
	runs, _, err := store.Runs(recordings.RunFilter{Release: release})
	if err != nil || len(runs) == 0 {
		return nil, err
	}
	seen := map[string]bool{}
	for _, r := range runs {
		if seen[r.JourneyID] {
			continue
		}
		seen[r.JourneyID] = true
		j, err := store.Journey(r.JourneyID)
		if err != nil || j.File == "" {
			continue
		}
		dir := filepath.Dir(j.File)
		if p := filepath.Join(dir, journeys.ServiceFileName); fileExists(p) {
			return journeys.LoadService(p)
		}
		if filepath.ToSlash(dir) == examples.Dir {
			return examples.Service()
		}
	}
	return nil, nil
}

func fileExists(p string) bool {
	fi, err := os.Stat(p)
	return err == nil && fi.Mode().IsRegular()
}

// expectedJourneys loads the journey file of every business process the
// service lists, with the languages and devices the service expects it in
// (all three languages and both devices by default).
func expectedJourneys(svc *journeys.Service) ([]*recordings.Journey, error) {
	var bundled map[string]*journeys.Journey
	var out []*recordings.Journey
	for _, sj := range svc.Journeys {
		p := svc.Path(sj.File)
		j, err := journeys.LoadFile(p)
		if err != nil && strings.HasPrefix(filepath.ToSlash(p), examples.Dir+"/") {
			// The bundled service file names the bundled journeys, which
			// are embedded in the program.
			if bundled == nil {
				bundled = map[string]*journeys.Journey{}
				js, lerr := examples.Load()
				if lerr != nil {
					return nil, lerr
				}
				for _, b := range js {
					bundled[filepath.Base(b.File)] = b
				}
			}
			if b := bundled[filepath.Base(p)]; b != nil {
				j, err = b, nil
			}
		}
		if err != nil {
			return nil, fmt.Errorf("service file %s:%d:%d: %w", svc.File, sj.Line, sj.Col, err)
		}
		langs, devices := sj.Languages, sj.Devices
		if len(langs) == 0 {
			langs = journeyproof.Languages()
		}
		if len(devices) == 0 {
			devices = []string{"desktop", "mobile"}
		}
		var branches []string
		for _, b := range j.Branches {
			branches = append(branches, b.Name)
		}
		out = append(out, &recordings.Journey{ID: j.ID, Name: j.Name, Service: svc.Name, Process: j.Process, Description: j.Description,
			File: p, Languages: langs, Devices: devices, Branches: branches})
	}
	return out, nil
}

// Package examples holds the bundled journeys: one per business process
// that triggers iAM Smart, over all languages and devices. `journeyproof
// demo` and the tests run them against the built-in sandbox.
package examples

import (
	"embed"
	"fmt"
	"io/fs"
	"path"
	"sort"

	"journeyproof/journeys"
)

//go:embed *.yaml
var files embed.FS

// Dir is the folder of the bundled journeys in the repository, used to
// name them in errors and in the store.
const Dir = "journeys/examples"

// Load parses every bundled journey, sorted by file name.
func Load() ([]*journeys.Journey, error) {
	names, err := fs.Glob(files, "*.yaml")
	if err != nil {
		return nil, err
	}
	sort.Strings(names)
	var out []*journeys.Journey
	for _, n := range names {
		if n == journeys.ServiceFileName {
			continue
		}
		data, err := files.ReadFile(n)
		if err != nil {
			return nil, fmt.Errorf("read bundled journey %s: %w", n, err)
		}
		j, err := journeys.Parse(path.Join(Dir, n), data)
		if err != nil {
			return nil, err
		}
		out = append(out, j)
	}
	return out, nil
}

// Service parses the bundled service file (journeyproof.yaml), which lists
// the bundled journeys.
func Service() (*journeys.Service, error) {
	data, err := files.ReadFile(journeys.ServiceFileName)
	if err != nil {
		return nil, fmt.Errorf("read bundled service file: %w", err)
	}
	return journeys.ParseService(path.Join(Dir, journeys.ServiceFileName), data)
}

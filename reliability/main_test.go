//go:build reliability

// Package reliability is the fault suite: `make reliability` runs it
// (go test -tags reliability -count=1 -v ./reliability/ -timeout 20m). Each
// experiment drives the real journeyproof binary, built once by TestMain,
// as separate processes over loopback (nothing leaves the machine), injects
// a fault (kill -9, a killed Chromium, concurrent writers, ...) and records
// its figures. After every test, TestMain prints ONE table of them all.
//
// The helper API every file of the package uses:
//
//	// binary returns the path of the journeyproof binary TestMain built.
//	func binary(t testing.TB) string
//
//	// figure records one row of the table and prints it as
//	// "FIGURE <experiment> | <measure> | <value> | <target> | ok/FAIL".
//	// It does not fail the test: call t.Error as well when !ok.
//	func figure(experiment, measure, value, target string, ok bool)
//
//	// freePort returns a TCP port free on 127.0.0.1.
//	func freePort(t testing.TB) int
//
// Test-only package state: the binary's path and the figures collected
// (behind a mutex) are package variables, because TestMain cannot hand
// values to the tests otherwise; the project's rule of no package-level
// mutable state is relaxed here, in test code only.
package reliability

import (
	"fmt"
	"net"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"sync"
	"testing"
	"text/tabwriter"
)

// suite is what TestMain sets up for the tests.
var suite struct {
	bin string // the journeyproof binary

	mu      sync.Mutex
	figures []figureRow
}

// figureRow is one row of the table.
type figureRow struct {
	experiment, measure, value, target string
	ok                                 bool
}

func TestMain(m *testing.M) {
	dir, err := os.MkdirTemp("", "journeyproof-reliability-")
	if err != nil {
		fmt.Fprintln(os.Stderr, err)
		os.Exit(1)
	}
	suite.bin = filepath.Join(dir, "journeyproof")
	build := exec.Command("go", "build", "-o", suite.bin, "../cmd/journeyproof")
	build.Stdout, build.Stderr = os.Stdout, os.Stderr
	if err := build.Run(); err != nil {
		fmt.Fprintln(os.Stderr, "reliability: build journeyproof:", err)
		os.RemoveAll(dir)
		os.Exit(1)
	}
	code := m.Run()
	printTable()
	os.RemoveAll(dir)
	os.Exit(code)
}

func binary(t testing.TB) string {
	t.Helper()
	if suite.bin == "" {
		t.Fatal("reliability: the binary was not built (TestMain did not run)")
	}
	return suite.bin
}

func figure(experiment, measure, value, target string, ok bool) {
	result := "ok"
	if !ok {
		result = "FAIL"
	}
	fmt.Printf("FIGURE %s | %s | %s | %s | %s\n", experiment, measure, value, target, result)
	suite.mu.Lock()
	defer suite.mu.Unlock()
	suite.figures = append(suite.figures, figureRow{experiment, measure, value, target, ok})
}

func freePort(t testing.TB) int {
	t.Helper()
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	defer ln.Close()
	return ln.Addr().(*net.TCPAddr).Port
}

// printTable prints every figure as one Markdown table (what the README's
// reliability section shows), and how many missed their target.
func printTable() {
	suite.mu.Lock()
	defer suite.mu.Unlock()
	if len(suite.figures) == 0 {
		return
	}
	fmt.Println("\n=== reliability figures ===")
	tw := tabwriter.NewWriter(os.Stdout, 0, 0, 1, ' ', 0)
	fmt.Fprintln(tw, "| experiment\t| measure\t| value\t| target\t| result\t|")
	fmt.Fprintln(tw, "|---\t|---\t|---\t|---\t|---\t|")
	failed := 0
	for _, f := range suite.figures {
		result := "ok"
		if !f.ok {
			result, failed = "**FAIL**", failed+1
		}
		fmt.Fprintf(tw, "| %s\t| %s\t| %s\t| %s\t| %s\t|\n", cell(f.experiment), cell(f.measure), cell(f.value), cell(f.target), result)
	}
	tw.Flush()
	fmt.Printf("%d figures, %d missed their target\n", len(suite.figures), failed)
}

// cell keeps a table cell on one line and its pipes escaped.
func cell(s string) string {
	return strings.ReplaceAll(strings.Join(strings.Fields(s), " "), "|", `\|`)
}

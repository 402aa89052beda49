package main

import (
	"encoding/xml"
	"fmt"
	"os"
	"strings"

	"journeyproof"
	"journeyproof/recordings"
)

// JUnit XML as `run --junit` writes it: one test suite for the
// invocation, one test case per cell.
type runJUnitSuites struct {
	XMLName  xml.Name        `xml:"testsuites"`
	Name     string          `xml:"name,attr"`
	Tests    int             `xml:"tests,attr"`
	Failures int             `xml:"failures,attr"`
	Time     string          `xml:"time,attr"`
	Suites   []runJUnitSuite `xml:"testsuite"`
}

type runJUnitSuite struct {
	Name       string             `xml:"name,attr"`
	Tests      int                `xml:"tests,attr"`
	Failures   int                `xml:"failures,attr"`
	Time       string             `xml:"time,attr"`
	Properties []runJUnitProperty `xml:"properties>property"`
	Cases      []runJUnitCase     `xml:"testcase"`
}

type runJUnitProperty struct {
	Name  string `xml:"name,attr"`
	Value string `xml:"value,attr"`
}

type runJUnitCase struct {
	Name      string            `xml:"name,attr"`
	Classname string            `xml:"classname,attr"`
	Time      string            `xml:"time,attr"`
	Failures  []runJUnitFailure `xml:"failure"`
	SystemOut string            `xml:"system-out,omitempty"`
}

type runJUnitFailure struct {
	Message string `xml:"message,attr"`
	Type    string `xml:"type,attr"`
	Text    string `xml:",chardata"`
}

// runJUnit is the JUnit form of a run report: a test case per cell (named
// journey/lang/device), failed by a workflow that did not pass (type
// "workflow") and by each unwaived finding at or above the report's
// --fail-on level (type: the rule id). Other findings are in the case's
// output.
func runJUnit(rep *runReport) runJUnitSuites {
	suite := runJUnitSuite{Name: "journeyproof release " + rep.Release,
		Properties: []runJUnitProperty{{"release", rep.Release}, {"baseURL", rep.BaseURL}, {"failOn", rep.FailOn}}}
	var total int64
	for _, r := range rep.Runs {
		total += r.DurationMS
		c := runJUnitCase{Name: cellName(r.Journey, r.Lang, r.Device, r.Branch), Classname: "journeyproof." + r.Process + "." + r.Journey,
			Time: fmt.Sprintf("%.3f", float64(r.DurationMS)/1000)}
		if r.Workflow != journeyproof.StatusPassed {
			msg := "workflow " + r.Workflow
			if r.Error != "" {
				msg += ": " + r.Error
			}
			c.Failures = append(c.Failures, runJUnitFailure{Message: msg, Type: "workflow", Text: msg})
		}
		var notes []string
		for _, f := range r.FindingList {
			line := fmt.Sprintf("%s %s at step %d: %s", f.Severity, f.Rule, f.StepIndex+1, f.Message)
			if f.Selector != "" {
				line += " [" + f.Selector + "]"
			}
			errs, warns := 0, 0
			if f.Severity == "error" {
				errs = 1
			} else if f.Severity == "warning" {
				warns = 1
			}
			switch {
			case f.Waived:
				notes = append(notes, "waived "+line+" — "+f.WaiverReason)
			case recordings.FailsOn(rep.FailOn, errs, warns):
				c.Failures = append(c.Failures, runJUnitFailure{Message: f.Rule + ": " + f.Message, Type: f.Rule, Text: line})
			default:
				notes = append(notes, line)
			}
		}
		notes = append([]string{fmt.Sprintf("workflow %s · guidelines %s (%d errors, %d warnings)", r.Workflow, r.Guidelines, r.Findings["error"], r.Findings["warning"])}, notes...)
		c.SystemOut = strings.Join(notes, "\n")
		suite.Cases = append(suite.Cases, c)
		suite.Tests++
		if len(c.Failures) > 0 {
			suite.Failures++
		}
	}
	suite.Time = fmt.Sprintf("%.3f", float64(total)/1000)
	return runJUnitSuites{Name: suite.Name, Tests: suite.Tests, Failures: suite.Failures, Time: suite.Time, Suites: []runJUnitSuite{suite}}
}

// writeJUnitFile writes the report's JUnit XML to path.
func writeJUnitFile(path string, rep *runReport) error {
	b, err := xml.MarshalIndent(runJUnit(rep), "", "  ")
	if err != nil {
		return fmt.Errorf("junit: %w", err)
	}
	b = append([]byte(xml.Header), append(b, '\n')...)
	if err := os.WriteFile(path, b, 0o644); err != nil {
		return fmt.Errorf("write junit %s: %w", path, err)
	}
	return nil
}

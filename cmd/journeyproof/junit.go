package main

import (
	"bytes"
	"fmt"
	"os"
	"strings"
	"time"

	"journeyproof"
	"journeyproof/internal/junit"
	"journeyproof/recordings"
)

// runJUnit is the JUnit form of a run report: a test case per cell (named
// journey/lang/device), failed by a workflow that did not pass (type
// "workflow") and by each unwaived finding at or above the report's
// --fail-on level (type: the rule id). Other findings are in the case's
// output.
func runJUnit(rep *runReport) *junit.Suites {
	suite := junit.Suite{Name: "journeyproof release " + rep.Release,
		Properties: junit.Properties("release", rep.Release, "baseURL", rep.BaseURL, "failOn", rep.FailOn)}
	var total int64
	for _, r := range rep.Runs {
		total += r.DurationMS
		c := junit.Case{Name: cellName(r.Journey, r.Lang, r.Device, r.Branch), Classname: "journeyproof." + r.Process + "." + r.Journey,
			Time: junit.Seconds(time.Duration(r.DurationMS) * time.Millisecond)}
		if r.Workflow != journeyproof.StatusPassed {
			msg := "workflow " + r.Workflow
			if r.Error != "" {
				msg += ": " + r.Error
			}
			c.Failures = append(c.Failures, junit.Failure{Message: msg, Type: "workflow", Text: msg})
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
				c.Failures = append(c.Failures, junit.Failure{Message: f.Rule + ": " + f.Message, Type: f.Rule, Text: line})
			default:
				notes = append(notes, line)
			}
		}
		notes = append([]string{fmt.Sprintf("workflow %s · guidelines %s (%d errors, %d warnings)", r.Workflow, r.Guidelines, r.Findings["error"], r.Findings["warning"])}, notes...)
		c.SystemOut = strings.Join(notes, "\n")
		suite.Cases = append(suite.Cases, c)
	}
	suite.Time = junit.Seconds(time.Duration(total) * time.Millisecond)
	doc := &junit.Suites{Name: suite.Name, Time: suite.Time}
	doc.Add(suite)
	return doc
}

// writeJUnitFile writes the report's JUnit XML to path.
func writeJUnitFile(path string, rep *runReport) error {
	var b bytes.Buffer
	if err := runJUnit(rep).Write(&b); err != nil {
		return err
	}
	if err := os.WriteFile(path, b.Bytes(), 0o644); err != nil {
		return fmt.Errorf("write junit %s: %w", path, err)
	}
	return nil
}

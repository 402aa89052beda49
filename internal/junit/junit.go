// Package junit is the JUnit XML that CI systems read (Jenkins, GitLab,
// GitHub's test reporters): the schema once, for `run --junit` and the
// evidence pack's junit.xml.
package junit

import (
	"encoding/xml"
	"fmt"
	"io"
	"time"
)

// Suites is the document: the test suites of one release.
type Suites struct {
	XMLName  xml.Name `xml:"testsuites"`
	Name     string   `xml:"name,attr"`
	Tests    int      `xml:"tests,attr"`
	Failures int      `xml:"failures,attr"`
	Errors   int      `xml:"errors,attr"`
	Time     string   `xml:"time,attr"`
	Suites   []Suite  `xml:"testsuite"`
}

// Suite is one test suite.
type Suite struct {
	Name       string     `xml:"name,attr"`
	Tests      int        `xml:"tests,attr"`
	Failures   int        `xml:"failures,attr"`
	Errors     int        `xml:"errors,attr"`
	Skipped    int        `xml:"skipped,attr"`
	Time       string     `xml:"time,attr"`
	Timestamp  string     `xml:"timestamp,attr,omitempty"`
	Properties []Property `xml:"properties>property"`
	Cases      []Case     `xml:"testcase"`
}

// Property is a name and value of a suite.
type Property struct {
	Name  string `xml:"name,attr"`
	Value string `xml:"value,attr"`
}

// Case is one test case; it failed when it has failures.
type Case struct {
	Name      string    `xml:"name,attr"`
	Classname string    `xml:"classname,attr"`
	Time      string    `xml:"time,attr"`
	Failures  []Failure `xml:"failure"`
	SystemOut string    `xml:"system-out,omitempty"`
}

// Failure is why a case failed: a short message, its type (a rule id, a
// status) and the whole text.
type Failure struct {
	Message string `xml:"message,attr"`
	Type    string `xml:"type,attr"`
	Text    string `xml:",chardata"`
}

// Seconds is d as JUnit writes times: seconds with three decimals.
func Seconds(d time.Duration) string {
	return fmt.Sprintf("%.3f", d.Seconds())
}

// Add appends s to the document, after counting its tests and failed
// cases into s and the document.
func (d *Suites) Add(s Suite) {
	for _, c := range s.Cases {
		s.Tests++
		if len(c.Failures) > 0 {
			s.Failures++
		}
	}
	d.Tests += s.Tests
	d.Failures += s.Failures
	d.Suites = append(d.Suites, s)
}

// Write writes the document as indented XML with its header.
func (d *Suites) Write(w io.Writer) error {
	if _, err := io.WriteString(w, xml.Header); err != nil {
		return err
	}
	enc := xml.NewEncoder(w)
	enc.Indent("", "  ")
	if err := enc.Encode(d); err != nil {
		return fmt.Errorf("junit: %w", err)
	}
	_, err := io.WriteString(w, "\n")
	return err
}

// Properties makes a suite's properties from name, value pairs.
func Properties(nameValues ...string) []Property {
	out := make([]Property, 0, len(nameValues)/2)
	for i := 0; i+1 < len(nameValues); i += 2 {
		out = append(out, Property{Name: nameValues[i], Value: nameValues[i+1]})
	}
	return out
}

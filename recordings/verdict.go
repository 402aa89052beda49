package recordings

import "fmt"

// A run has two verdicts, shown side by side: the workflow verdict is its
// Status (every step ran: passed; a step failed: failed), the guidelines
// verdict is what its unwaived findings say.
const (
	GuidelinesPassed   = "passed"   // no unwaived error or warning
	GuidelinesWarnings = "warnings" // unwaived warnings, no error
	GuidelinesFailed   = "failed"   // at least one unwaived error
)

// GuidelinesVerdict is the guidelines verdict of unwaived error and
// warning counts.
func GuidelinesVerdict(errors, warnings int) string {
	switch {
	case errors > 0:
		return GuidelinesFailed
	case warnings > 0:
		return GuidelinesWarnings
	}
	return GuidelinesPassed
}

// Guidelines is the run's guidelines verdict.
func (r *Run) Guidelines() string { return GuidelinesVerdict(r.Errors, r.Warnings) }

// The severities at which guideline findings fail a run (`run --fail-on`).
const (
	FailOnError   = "error"
	FailOnWarning = "warning"
	FailOnNever   = "never"
)

// CheckFailOn returns an error unless s is a --fail-on level.
func CheckFailOn(s string) error {
	switch s {
	case FailOnError, FailOnWarning, FailOnNever:
		return nil
	}
	return fmt.Errorf("--fail-on must be error, warning or never, not %q", s)
}

// FailsOn reports whether unwaived error and warning counts fail a run at
// the --fail-on level failOn.
func FailsOn(failOn string, errors, warnings int) bool {
	switch failOn {
	case FailOnNever:
		return false
	case FailOnWarning:
		return errors+warnings > 0
	}
	return errors > 0
}

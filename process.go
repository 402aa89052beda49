package journeyproof

import "strings"

// Business processes that trigger iAM Smart. A journey may name another
// (free) process; the verifier then accepts any approved label.
const (
	ProcessAuthentication = "authentication"
	ProcessFormFilling    = "form-filling"
	ProcessSigning        = "signing"
)

// Processes returns the business processes that trigger iAM Smart, in
// display order.
func Processes() []string {
	return []string{ProcessAuthentication, ProcessFormFilling, ProcessSigning}
}

// ProcessOrder is the place of a process in display order; a free process
// comes after the three (callers order those among themselves by name).
func ProcessOrder(p string) int {
	for i, q := range Processes() {
		if q == p {
			return i
		}
	}
	return len(Processes())
}

// ProcessTitle names a business process as the submission does, and the
// web app after it: "Authentication", "Form filling", "Digital signing";
// a free process by its name in words ("address-change": "Address
// change"); no process at all is "Business process".
func ProcessTitle(p string) string {
	switch p {
	case ProcessAuthentication:
		return "Authentication"
	case ProcessFormFilling:
		return "Form filling"
	case ProcessSigning:
		return "Digital signing"
	case "":
		return "Business process"
	}
	t := strings.ReplaceAll(p, "-", " ")
	return strings.ToUpper(t[:1]) + t[1:]
}

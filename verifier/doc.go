// Package verifier checks the iAM Smart buttons, labels and trigger request
// on the screens of a journey.
//
// Probe runs an embedded JavaScript probe in a chromedp tab and returns
// PageFacts: the page's language, text and elements with their boxes,
// colours, accessible names and images. A Pack holds the values of the rules
// (approved labels, sizes, patterns, thresholds), read from the embedded
// iamsmart pack (DefaultPack) or a team's --rules file (LoadPack).
// Pack.CheckPage turns PageFacts into findings, and Pack.CheckRedirect checks
// the request a trigger step sends to the iAM Smart authorisation endpoint.
// The rules are code; every value they compare with lives in the pack.
package verifier

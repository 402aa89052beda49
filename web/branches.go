package web

import "journeyproof/recordings"

// withBranches gives each journey one coverage row per path: its main path,
// then its branches in file order, then branches only runs know (the
// journey file has changed since they ran; their cells are not expected).
func withBranches(js []journeyInfo, runs []recordings.Run) []journeyInfo {
	ran := map[string][]string{}
	for _, r := range runs {
		if r.Branch != "" && !contains(ran[r.JourneyID], r.Branch) {
			ran[r.JourneyID] = append(ran[r.JourneyID], r.Branch)
		}
	}
	out := make([]journeyInfo, 0, len(js))
	for _, j := range js {
		out = append(out, j)
		paths := append([]string{}, j.Branches...)
		for _, b := range ran[j.ID] {
			if !contains(paths, b) {
				paths = append(paths, b)
			}
		}
		for _, b := range paths {
			row := j
			row.Branch = b
			out = append(out, row)
		}
	}
	return out
}

package web

import (
	"time"

	"journeyproof/recordings"
)

// withBranches gives each journey one coverage row per path: its main path,
// then its branches in file order, then branches only runs know (the
// journey file has changed since they ran; their cells are not expected).
func withBranches(js []journeyInfo, runs []recordings.Run) []journeyInfo {
	ran := map[string][]string{}
	for _, r := range runs {
		if r.Branch != "" {
			ran[r.JourneyID] = appendNew(ran[r.JourneyID], r.Branch)
		}
	}
	out := make([]journeyInfo, 0, len(js))
	for _, j := range js {
		out = append(out, j)
		for _, b := range appendNew(append([]string{}, j.Branches...), ran[j.ID]...) {
			row := j
			row.Branch = b
			out = append(out, row)
		}
	}
	return out
}

// PhoneVideoView is a person's recording of the iAM Smart app attached to
// a run.
type PhoneVideoView struct {
	URL         string    `json:"url"`
	Name        string    `json:"name"`
	ContentType string    `json:"contentType"`
	DurationMS  int64     `json:"durationMs"`
	Width       int       `json:"width"`
	Height      int       `json:"height"`
	By          string    `json:"by,omitempty"`
	Note        string    `json:"note,omitempty"`
	At          time.Time `json:"attachedAt"`
}

// phoneVideo returns the run's newest attached phone recording, nil when
// it has none.
func (s *Server) phoneVideo(runID uint) (*PhoneVideoView, error) {
	a, err := s.store.PhoneVideo(runID)
	if err != nil || a == nil {
		return nil, err
	}
	return &PhoneVideoView{URL: artifactURL(a.SHA256), Name: a.Name, ContentType: a.ContentType, DurationMS: a.DurationMS,
		Width: a.Width, Height: a.Height, By: a.By, Note: a.Note, At: a.CreatedAt}, nil
}

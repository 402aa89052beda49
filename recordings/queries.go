package recordings

import (
	"errors"
	"fmt"
	"net/url"
	"time"

	"gorm.io/gorm"
)

// RunFilter narrows a list of runs; empty fields match everything.
type RunFilter struct {
	Release, Journey, Process, Lang, Device, Status string
	// Limit and Offset page the list (Limit 0 means all).
	Limit, Offset int
}

// Runs lists runs, newest first, with the total count before paging.
func (s *Store) Runs(f RunFilter) ([]Run, int64, error) {
	q := s.DB.Model(&Run{})
	for col, v := range map[string]string{"release": f.Release, "journey_id": f.Journey, "process": f.Process, "lang": f.Lang, "device": f.Device, "status": f.Status} {
		if v != "" {
			q = q.Where(col+" = ?", v)
		}
	}
	var total int64
	if err := q.Count(&total).Error; err != nil {
		return nil, 0, fmt.Errorf("count runs: %w", err)
	}
	q = q.Preload("Video").Order("started_at DESC, id DESC")
	if f.Limit > 0 {
		q = q.Limit(f.Limit).Offset(f.Offset)
	}
	var runs []Run
	if err := q.Find(&runs).Error; err != nil {
		return nil, 0, fmt.Errorf("list runs: %w", err)
	}
	return runs, total, nil
}

// Run returns one run with its steps (in order), findings and video.
func (s *Store) Run(id uint) (*Run, error) {
	var r Run
	err := s.DB.Preload("Steps", func(db *gorm.DB) *gorm.DB { return db.Order("\"index\"") }).
		Preload("Findings", func(db *gorm.DB) *gorm.DB { return db.Order("step_index, id") }).
		Preload("Video").First(&r, id).Error
	if errors.Is(err, gorm.ErrRecordNotFound) {
		return nil, fmt.Errorf("run %d: %w", id, ErrNotFound)
	}
	if err != nil {
		return nil, fmt.Errorf("read run %d: %w", id, err)
	}
	return &r, nil
}

// FullRuns returns the runs with these ids, each with its steps (in
// order), findings and video, read in four queries whatever their number.
// Ids that are not there are left out of the map.
func (s *Store) FullRuns(ids []uint) (map[uint]*Run, error) {
	out := map[uint]*Run{}
	if len(ids) == 0 {
		return out, nil
	}
	var runs []Run
	err := s.DB.Preload("Steps", func(db *gorm.DB) *gorm.DB { return db.Order("run_id, \"index\"") }).
		Preload("Findings", func(db *gorm.DB) *gorm.DB { return db.Order("run_id, step_index, id") }).
		Preload("Video").Where("id IN ?", ids).Find(&runs).Error
	if err != nil {
		return nil, fmt.Errorf("read runs: %w", err)
	}
	for i := range runs {
		out[runs[i].ID] = &runs[i]
	}
	return out, nil
}

// Release is a release label and what was run under it.
type Release struct {
	Name     string    `json:"name"`
	Runs     int       `json:"runs"`
	Passed   int       `json:"passed"`
	Failed   int       `json:"failed"`
	First    time.Time `json:"first"`
	Last     time.Time `json:"last"`
	Baseline bool      `json:"baseline"`
}

// Releases lists the release labels, newest first.
func (s *Store) Releases() ([]Release, error) {
	var rows []struct {
		Release string
		Runs    int
		Passed  int
		Failed  int
		First   string
		Last    string
	}
	// release_stats is kept by triggers on runs (migrateReleaseStats): a
	// row per release instead of a scan of every run.
	err := s.DB.Raw(`SELECT release, runs, passed, failed, first, last FROM release_stats ORDER BY last DESC`).Scan(&rows).Error
	if err != nil {
		return nil, fmt.Errorf("list releases: %w", err)
	}
	var bases []Baseline
	s.DB.Find(&bases)
	out := make([]Release, 0, len(rows))
	for _, r := range rows {
		rel := Release{Name: r.Release, Runs: r.Runs, Passed: r.Passed, Failed: r.Failed, First: parseTime(r.First), Last: parseTime(r.Last)}
		for _, b := range bases {
			if b.Release == r.Release {
				rel.Baseline = true
			}
		}
		out = append(out, rel)
	}
	return out, nil
}

func parseTime(s string) time.Time {
	for _, layout := range []string{"2006-01-02 15:04:05.999999999-07:00", time.RFC3339Nano, "2006-01-02 15:04:05.999999999"} {
		if t, err := time.Parse(layout, s); err == nil {
			return t
		}
	}
	return time.Time{}
}

// HasRelease reports whether any run carries the release label.
func (s *Store) HasRelease(name string) (bool, error) {
	var n int64
	err := s.DB.Model(&Run{}).Where("release = ?", name).Count(&n).Error
	return n > 0, err
}

// Journeys lists the journeys that have been run, by process and id.
func (s *Store) Journeys() ([]Journey, error) {
	var js []Journey
	if err := s.DB.Order("process, id").Find(&js).Error; err != nil {
		return nil, fmt.Errorf("list journeys: %w", err)
	}
	return js, nil
}

// Journey returns one journey.
func (s *Store) Journey(id string) (*Journey, error) {
	var j Journey
	err := s.DB.First(&j, "id = ?", id).Error
	if errors.Is(err, gorm.ErrRecordNotFound) {
		return nil, fmt.Errorf("journey %q: %w", id, ErrNotFound)
	}
	return &j, err
}

// MarkInterrupted marks runs still marked running (left by a crash or a
// shutdown) as interrupted, and returns how many it marked. With ids, only
// those runs.
func (s *Store) MarkInterrupted(ids ...uint) (int64, error) {
	q := s.DB.Model(&Run{}).Where("status = ?", "running")
	if len(ids) > 0 {
		q = q.Where("id IN ?", ids)
	}
	now := time.Now()
	res := q.Updates(map[string]any{"status": "interrupted", "ended_at": now, "error": "interrupted: journeyproof stopped while the run was in progress"})
	return res.RowsAffected, res.Error
}

// SetBaseline marks release as the approved baseline for a journey, or for
// every journey when journeyID is "" or "*", and records it in the
// baseline's history with no approver named (Approve names one).
func (s *Store) SetBaseline(release, journeyID string) error {
	_, err := s.Approve(release, journeyID, Approval{})
	return err
}

// BaselineFor returns the baseline release of a journey ("" when none):
// its own, else the one for every journey.
func (s *Store) BaselineFor(journeyID string) (string, error) {
	var bs []Baseline
	if err := s.DB.Where("journey_id IN ?", []string{journeyID, "*"}).Find(&bs).Error; err != nil {
		return "", err
	}
	rel := ""
	for _, b := range bs {
		if b.JourneyID == journeyID {
			return b.Release, nil
		}
		rel = b.Release
	}
	return rel, nil
}

// Baselines lists every baseline.
func (s *Store) Baselines() ([]Baseline, error) {
	var bs []Baseline
	return bs, s.DB.Order("journey_id").Find(&bs).Error
}

// PreviousStates returns the state values sent by the trigger requests of
// earlier runs of the same cell (newest first, at most 20).
func (s *Store) PreviousStates(journeyID, lang, device string, before uint) ([]string, error) {
	var reqs []string
	err := s.DB.Model(&Step{}).Joins("JOIN runs ON runs.id = steps.run_id").
		Where("runs.journey_id = ? AND runs.lang = ? AND runs.device = ? AND runs.id < ? AND steps.request <> ''", journeyID, lang, device, before).
		Order("runs.id DESC").Limit(20).Pluck("steps.request", &reqs).Error
	if err != nil {
		return nil, err
	}
	var out []string
	for _, r := range reqs {
		if u, err := url.Parse(r); err == nil {
			if st := u.Query().Get("state"); st != "" {
				out = append(out, st)
			}
		}
	}
	return out, nil
}

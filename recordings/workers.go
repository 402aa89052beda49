package recordings

import (
	"fmt"
	"time"

	"gorm.io/gorm/clause"

	"journeyproof"
)

// Worker is a process that takes runs from the queue (`journeyproof
// worker`, or the web app's and the command line's own in-process
// worker). It says it is alive every HeartbeatEvery; one whose heartbeat
// is older than StaleAfter is gone.
type Worker struct {
	// ID is the worker's queue client id: host, pid and start time.
	ID          string `gorm:"primaryKey" json:"id"`
	Host        string `json:"host"`
	PID         int    `json:"pid"`
	Queue       string `json:"queue"`
	Concurrency int    `json:"concurrency"`
	// Browser is the remote browser it drives ("" for its own Chromium).
	Browser     string    `json:"browser,omitempty"`
	StartedAt   time.Time `json:"startedAt"`
	HeartbeatAt time.Time `gorm:"index" json:"heartbeatAt"`
	// Cells are the cells it is running now (journey/lang/device).
	Cells []string `gorm:"serializer:json" json:"cells"`
	// Done counts the jobs it has finished.
	Done int `json:"done"`
}

// BeatWorker records that the worker is alive, with what it runs now.
func (s *Store) BeatWorker(w Worker) error {
	w.HeartbeatAt = time.Now()
	if w.Cells == nil {
		w.Cells = []string{}
	}
	err := s.DB.Clauses(clause.OnConflict{UpdateAll: true}).Create(&w).Error
	if err != nil {
		return fmt.Errorf("worker heartbeat: %w", err)
	}
	return nil
}

// RemoveWorker forgets a worker that stops.
func (s *Store) RemoveWorker(id string) error {
	if err := s.DB.Delete(&Worker{}, "id = ?", id).Error; err != nil {
		return fmt.Errorf("remove worker %s: %w", id, err)
	}
	return nil
}

// Workers lists the live workers (heartbeat within StaleAfter), by host
// and start, and forgets those gone for over an hour.
func (s *Store) Workers() ([]Worker, error) {
	now := time.Now()
	s.DB.Delete(&Worker{}, "heartbeat_at < ?", now.Add(-time.Hour))
	var ws []Worker
	if err := s.DB.Where("heartbeat_at >= ?", now.Add(-StaleAfter)).Order("host, started_at").Find(&ws).Error; err != nil {
		return nil, fmt.Errorf("list workers: %w", err)
	}
	return ws, nil
}

// RetryRun marks a run interrupted with the reason: a failure of the
// machinery (browser, store), not of the journey, after which the queue
// runs the cell again as a new run.
func (s *Store) RetryRun(id uint, why string) error {
	err := s.DB.Model(&Run{}).Where("id = ?", id).Updates(map[string]any{"status": "interrupted", "error": why}).Error
	if err != nil {
		return fmt.Errorf("mark run %d interrupted: %w", id, err)
	}
	return nil
}

// FinishedRun returns the newest finished run (passed or failed) of the
// run's cell and branch that the invocation made under its release, or
// nil when there is none. A job retried after an attempt that stored its
// run but was not marked done (its worker was killed in between) adopts
// that run instead of running the cell a second time.
func (s *Store) FinishedRun(invocation string, cell Run) (*Run, error) {
	if invocation == "" {
		return nil, nil
	}
	var runs []Run
	err := s.DB.Where("invocation = ? AND release = ? AND journey_id = ? AND lang = ? AND device = ? AND COALESCE(branch, '') = ? AND status IN ?",
		invocation, cell.Release, cell.JourneyID, cell.Lang, cell.Device, cell.Branch,
		[]string{journeyproof.StatusPassed, journeyproof.StatusFailed}).
		Order("started_at DESC, id DESC").Limit(1).Find(&runs).Error
	if err != nil {
		return nil, fmt.Errorf("find the finished run of %s in invocation %s: %w", cell.Key(), invocation, err)
	}
	if len(runs) == 0 {
		return nil, nil
	}
	return &runs[0], nil
}

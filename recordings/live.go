package recordings

import "fmt"

// ReleaseState is a fingerprint of a release's runs and their stored
// steps: it changes when a run starts, stores a step or ends. The web app
// polls it to tell open coverage pages that something changed.
func (s *Store) ReleaseState(release string) (string, error) {
	var row struct {
		Runs, Running, Ended int64
		MaxRun, MaxStep      int64
		Findings             int64
	}
	err := s.DB.Raw(`SELECT count(*) AS runs,
		coalesce(sum(CASE WHEN status = 'running' THEN 1 ELSE 0 END), 0) AS running,
		coalesce(sum(CASE WHEN ended_at IS NOT NULL THEN 1 ELSE 0 END), 0) AS ended,
		coalesce(max(id), 0) AS max_run,
		coalesce((SELECT max(steps.id) FROM steps JOIN runs r2 ON r2.id = steps.run_id WHERE r2.release = ?), 0) AS max_step,
		coalesce(sum(errors + warnings), 0) AS findings
		FROM runs WHERE release = ?`, release, release).Scan(&row).Error
	if err != nil {
		return "", fmt.Errorf("read the state of release %q: %w", release, err)
	}
	return fmt.Sprintf("%d.%d.%d.%d.%d.%d", row.Runs, row.Running, row.Ended, row.MaxRun, row.MaxStep, row.Findings), nil
}

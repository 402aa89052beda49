package recordings

import (
	"fmt"

	"journeyproof"
)

// CellRun is the run of one cell (journey x language x device, and branch:
// Run.Key) under a release, as Store.CellRuns picks it, with what else the
// cell has there.
type CellRun struct {
	Run
	// Runs counts the cell's runs under the release, of every status.
	Runs int `json:"runs"`
	// Rerunning reports that Run finished and the cell also has a run
	// still running: Run stays the cell's evidence until that re-run
	// finishes.
	Rerunning bool `json:"rerunning,omitempty"`
}

// cellRunsSQL picks the run of each cell and branch of a release (see
// CellRuns) in one pass over the release's runs. Window functions: SQLite
// 3.25 and later, and PostgreSQL. Runs stored before branches were
// recorded may have a NULL branch: they are on the main path.
const cellRunsSQL = `SELECT id, runs, running FROM (
	SELECT id,
		ROW_NUMBER() OVER (PARTITION BY journey_id, lang, device, COALESCE(branch, '')
			ORDER BY CASE WHEN status IN (?, ?) THEN 0 ELSE 1 END, started_at DESC, id DESC) AS pick,
		COUNT(*) OVER (PARTITION BY journey_id, lang, device, COALESCE(branch, '')) AS runs,
		SUM(CASE WHEN status = ? THEN 1 ELSE 0 END) OVER (PARTITION BY journey_id, lang, device, COALESCE(branch, '')) AS running
	FROM runs WHERE release = ?%s
) cells WHERE pick = 1`

// CellRuns returns the run of each cell and branch of a release: one rule
// that the coverage, the evidence pack, the comparison of releases and the
// API all use, so that they show, pack and compare the same runs.
//
// The run of a cell is its newest finished run (passed or failed): a
// re-run that finished supersedes the runs before it, whatever their
// outcome. Runs that did not finish (still running, or interrupted) are
// not evidence while the cell has a finished run; when it has none, the
// newest of them stands for the cell, so that it shows as running or
// interrupted instead of missing. Newest is the latest start, then the
// highest id. CellRun.Runs counts every run of the cell and
// CellRun.Rerunning tells that one is running beside the finished one.
//
// With journeyIDs, only the cells of those journeys. The runs come
// without steps, findings or video (FullRuns reads them), in journey,
// language, device and branch order.
func (s *Store) CellRuns(release string, journeyIDs ...string) ([]CellRun, error) {
	filter, args := "", []any{journeyproof.StatusPassed, journeyproof.StatusFailed, journeyproof.StatusRunning, release}
	if len(journeyIDs) > 0 {
		filter = " AND journey_id IN ?"
		args = append(args, journeyIDs)
	}
	var rows []struct {
		ID      uint
		Runs    int
		Running int
	}
	if err := s.DB.Raw(fmt.Sprintf(cellRunsSQL, filter), args...).Scan(&rows).Error; err != nil {
		return nil, fmt.Errorf("find the run of each cell of release %q: %w", release, err)
	}
	if len(rows) == 0 {
		return []CellRun{}, nil
	}
	ids := make([]uint, len(rows))
	for i, r := range rows {
		ids[i] = r.ID
	}
	var runs []Run
	if err := s.DB.Where("id IN ?", ids).Order("journey_id, lang, device, branch").Find(&runs).Error; err != nil {
		return nil, fmt.Errorf("read the run of each cell of release %q: %w", release, err)
	}
	byID := make(map[uint]int, len(rows))
	for i, r := range rows {
		byID[r.ID] = i
	}
	out := make([]CellRun, 0, len(runs))
	for _, r := range runs {
		row := rows[byID[r.ID]]
		finished := r.Status == journeyproof.StatusPassed || r.Status == journeyproof.StatusFailed
		out = append(out, CellRun{Run: r, Runs: row.Runs, Rerunning: finished && row.Running > 0})
	}
	return out, nil
}

// Runs returns the runs of cell runs, in their order.
func Runs(cells []CellRun) []Run {
	out := make([]Run, len(cells))
	for i := range cells {
		out[i] = cells[i].Run
	}
	return out
}

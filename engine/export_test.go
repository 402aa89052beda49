package engine

import (
	"context"

	"journeyproof/queue"
)

// RunCellAttempt runs a cell job as this process's worker runs its given
// attempt, for the tests of package engine_test.
func (e *Engine) RunCellAttempt(ctx context.Context, c queue.Cell, attempt int) (queue.Result, error) {
	return e.jobs.RunCell(ctx, c, attempt)
}

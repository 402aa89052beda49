package recordings

import (
	"fmt"
	"log/slog"
	"sync"
	"time"

	"gorm.io/gorm"

	"journeyproof"
	"journeyproof/internal/owner"
)

// HeartbeatEvery is how often a process says that the runs it is running
// are alive (Run.HeartbeatAt).
const HeartbeatEvery = 2 * time.Second

// StaleAfter is how old a running run's heartbeat may get before the run is
// taken as left by a process that died or hangs, and marked interrupted.
const StaleAfter = 15 * time.Second

// heartbeat keeps the runs of this process alive in the store.
type heartbeat struct {
	once sync.Once
	stop chan struct{}
	done chan struct{}
}

// Owner is the process that owns the runs this Store creates.
func (s *Store) Owner() owner.Owner { return s.owner }

// claim sets run's owner to this process and starts the heartbeat that
// keeps this process's running runs alive until the Store closes.
func (s *Store) claim(run *Run) {
	now := time.Now()
	run.OwnerHost, run.OwnerPID, run.OwnerStart, run.HeartbeatAt = s.owner.Host, s.owner.PID, s.owner.Start, &now
	s.hb.once.Do(func() {
		s.hb.stop, s.hb.done = make(chan struct{}), make(chan struct{})
		go s.beat()
	})
}

// beat updates the heartbeat of this process's running runs until stopped.
func (s *Store) beat() {
	defer close(s.hb.done)
	t := time.NewTicker(HeartbeatEvery)
	defer t.Stop()
	for {
		select {
		case <-s.hb.stop:
			return
		case now := <-t.C:
			err := s.DB.Model(&Run{}).Where("status = ? AND owner_host = ? AND owner_pid = ? AND owner_start = ?",
				journeyproof.StatusRunning, s.owner.Host, s.owner.PID, s.owner.Start).Update("heartbeat_at", now).Error
			if err != nil {
				slog.Warn("heartbeat of the runs in progress not stored", "err", err)
			}
		}
	}
}

// stopHeartbeat ends the heartbeat (when it was started).
func (s *Store) stopHeartbeat() {
	s.hb.once.Do(func() {}) // no heartbeat starts after this
	if s.hb.stop == nil {
		return
	}
	select {
	case <-s.hb.stop:
	default:
		close(s.hb.stop)
	}
	<-s.hb.done
}

// ReapRuns marks interrupted the runs marked running whose process is gone:
// a local owner that exited (or a pid now used by another process), a
// heartbeat older than StaleAfter, or no owner at all (a run stored by a
// version that recorded none). Each gets a one-line reason in its error.
// Runs of this process are left alone. It returns how many it marked.
func (s *Store) ReapRuns() (int64, error) {
	var runs []Run
	if err := s.DB.Select("id", "owner_host", "owner_pid", "owner_start", "heartbeat_at", "ended_at").
		Where("status = ?", journeyproof.StatusRunning).Find(&runs).Error; err != nil {
		return 0, fmt.Errorf("find runs in progress: %w", err)
	}
	now := time.Now()
	var n int64
	for _, r := range runs {
		o := owner.Owner{Host: r.OwnerHost, PID: r.OwnerPID, Start: r.OwnerStart}
		if o == s.owner {
			continue
		}
		during := "while the run was in progress"
		if r.EndedAt != nil {
			during = "while its video was being encoded"
		}
		q := s.DB.Model(&Run{}).Where("id = ? AND status = ?", r.ID, journeyproof.StatusRunning)
		var why string
		switch {
		case r.OwnerPID == 0:
			why = "interrupted: journeyproof stopped " + during + " (an earlier version that recorded no owner)"
		case !o.Alive():
			why = fmt.Sprintf("interrupted: the process running it (pid %d on %s) exited %s", o.PID, o.Host, during)
		case r.HeartbeatAt == nil || now.Sub(*r.HeartbeatAt) > StaleAfter:
			cutoff := now.Add(-StaleAfter)
			q = q.Where("heartbeat_at IS NULL OR heartbeat_at < ?", cutoff)
			why = fmt.Sprintf("interrupted: no heartbeat for over %s from the process running it (pid %d on %s) %s", StaleAfter, o.PID, o.Host, during)
		default:
			continue
		}
		res := q.Updates(map[string]any{"status": journeyproof.StatusInterrupted, "error": why, "ended_at": gorm.Expr("COALESCE(ended_at, ?)", now)})
		if res.Error != nil {
			return n, fmt.Errorf("mark run %d interrupted: %w", r.ID, res.Error)
		}
		n += res.RowsAffected
	}
	return n, nil
}

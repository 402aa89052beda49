package main

import (
	"flag"
	"os"
	"time"

	"journeyproof/queue"
	"journeyproof/recordings"
)

// dbFlag adds --db to a command that opens the store.
func dbFlag(fs *flag.FlagSet) *string {
	return fs.String("db", "", "shared database of runs and jobs, postgres://user:password@host:5432/database (default: SQLite under --data; env JOURNEYPROOF_DB)")
}

// openStore opens the evidence store of --data and --db.
func openStore(data, db string) (*recordings.Store, error) {
	return recordings.OpenDB(dataDir(data), dbURL(db))
}

// dataDir returns the data directory: --data, then JOURNEYPROOF_DATA, then
// ./journeyproof-data.
func dataDir(flag string) string {
	if flag != "" {
		return flag
	}
	return envOr("JOURNEYPROOF_DATA", recordings.DefaultDataDir)
}

// dbURL returns the database of the evidence store and the queue: --db,
// then JOURNEYPROOF_DB, then "" (SQLite under the data folder).
func dbURL(flag string) string {
	if flag != "" {
		return flag
	}
	return os.Getenv("JOURNEYPROOF_DB")
}

// jobTimeoutFlag adds --job-timeout to a command that works the queue.
func jobTimeoutFlag(fs *flag.FlagSet) *time.Duration {
	d := queue.DefaultJobTimeout
	if v := os.Getenv("JOURNEYPROOF_JOB_TIMEOUT"); v != "" {
		if p, err := time.ParseDuration(v); err == nil {
			d = p
		}
	}
	return fs.Duration("job-timeout", d, "longest a cell may run before its job is cancelled and retried; a job whose worker died is retried this long (plus 15s) after it started (env JOURNEYPROOF_JOB_TIMEOUT)")
}

package main

import (
	"context"
	"flag"
	"os"
	"time"

	"journeyproof/queue"
	"journeyproof/recordings"
)

// storeFlags are --data and --db: where a command's evidence store (and
// queue) is.
type storeFlags struct{ data, db *string }

// addStoreFlags adds --data and --db to a command that opens the store.
func addStoreFlags(fs *flag.FlagSet) storeFlags {
	return addStoreFlagsAbout(fs, "data directory (default ./journeyproof-data; env JOURNEYPROOF_DATA)")
}

// addStoreFlagsAbout is addStoreFlags with its own help text for --data.
func addStoreFlagsAbout(fs *flag.FlagSet, dataHelp string) storeFlags {
	return storeFlags{
		data: fs.String("data", "", dataHelp),
		db:   fs.String("db", "", "shared database of runs and jobs, postgres://user:password@host:5432/database (default: SQLite under --data; env JOURNEYPROOF_DB)"),
	}
}

// dir is the data directory: --data, then JOURNEYPROOF_DATA, then the
// default.
func (f storeFlags) dir() string { return dataDir(*f.data) }

// url is the database: --db, then JOURNEYPROOF_DB, then "" (SQLite).
func (f storeFlags) url() string { return dbURL(*f.db) }

// open opens the evidence store of --data and --db.
func (f storeFlags) open() (*recordings.Store, error) {
	return recordings.OpenDB(f.dir(), f.url())
}

// openFor opens the evidence store for a command: on failure it prints
// the error and returns nil and the exit code (1).
func (f storeFlags) openFor(env *cli) (*recordings.Store, int) {
	store, err := f.open()
	if err != nil {
		errorLine(env, err)
		return nil, exitFailed
	}
	return store, exitOK
}

// openWithQueue opens the evidence store and the queue named queueName
// ("" the default) for a command that reads both. On failure it prints
// the error, closes what it opened and returns nils and the exit code: 2
// for a database URL that is not one, else 1.
func (f storeFlags) openWithQueue(ctx context.Context, env *cli, queueName string) (*recordings.Store, *queue.Queue, int) {
	if err := recordings.CheckDBURL(f.url()); err != nil {
		errorLine(env, err)
		return nil, nil, exitUsage
	}
	store, code := f.openFor(env)
	if store == nil {
		return nil, nil, code
	}
	q, err := queue.Open(ctx, queue.Config{DB: f.url(), DataDir: f.dir(), Queue: queueName})
	if err != nil {
		store.Close()
		errorLine(env, err)
		return nil, nil, exitFailed
	}
	return store, q, exitOK
}

// dataDir returns the data directory: --data, then JOURNEYPROOF_DATA, then
// ./journeyproof-data.
func dataDir(flag string) string {
	return flagOrEnv(flag, "JOURNEYPROOF_DATA", recordings.DefaultDataDir)
}

// dbURL returns the database of the evidence store and the queue: --db,
// then JOURNEYPROOF_DB, then "" (SQLite under the data folder).
func dbURL(flag string) string {
	return flagOrEnv(flag, "JOURNEYPROOF_DB", "")
}

// queueFlag adds the flag name (--queue, or --queue-name where --queue is
// taken) that names a command's queue: JOURNEYPROOF_QUEUE, else the
// default queue.
func queueFlag(fs *flag.FlagSet, name, help string) *string {
	return fs.String(name, envOr("JOURNEYPROOF_QUEUE", queue.DefaultQueue), help)
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

package main

import (
	"cmp"
	"context"
	"fmt"
	"runtime"
	"strings"
	"time"

	"journeyproof/engine"
	"journeyproof/queue"
	"journeyproof/recordings"
	"journeyproof/web"
)

func cmdWorker(ctx context.Context, env *cli, args []string) int {
	fs := newFlags(env, "worker", "[flags]", "Takes cells from the queue and runs them until stopped (Ctrl-C or SIGTERM: the cells in progress finish\nor are retried elsewhere). Start one per machine with the shared database (--db) and the shared data folder\n(--data on a network mount); a cell a worker could not finish (its browser died, it was killed) runs again\non another worker.")
	sf := addStoreFlagsAbout(fs, "data directory; with --db, a folder every worker and serve share (default ./journeyproof-data; env JOURNEYPROOF_DATA)")
	concurrency := fs.Int("concurrency", runtime.NumCPU(), "cells this worker runs at once")
	browserURL := fs.String("browser", envOr("JOURNEYPROOF_BROWSER", ""), "attach to a running Chromium instead of starting one: ws://host:9222/devtools/browser/… or http://host:9222 (env JOURNEYPROOF_BROWSER)")
	queueName := queueFlag(fs, "queue", "queue to take cells from (env JOURNEYPROOF_QUEUE)")
	jobTimeout := jobTimeoutFlag(fs)
	server := fs.String("server", envOr("JOURNEYPROOF_SERVER", ""), "without a shared data folder: the web app's URL to upload screenshots, videos and crops to (with --token); --data is then this machine's own folder (env JOURNEYPROOF_SERVER)")
	token := fs.String("token", "", "the web app's token, for --server (env JOURNEYPROOF_TOKEN)")
	if _, done, code := parseFlags(env, fs, args); done {
		return code
	}
	var up *uploader
	if *server != "" {
		*token = flagOrEnv(*token, "JOURNEYPROOF_TOKEN", "")
		var err error
		if up, err = newUploader(*server, *token); err != nil {
			return errorExit(env, err, exitUsage)
		}
	}
	if *concurrency < 1 {
		return usageError(env, "worker", "--concurrency must be at least 1")
	}
	if err := recordings.CheckDBURL(sf.url()); err != nil {
		return errorExit(env, err, exitUsage)
	}
	cfg := engine.Config{Parallel: *concurrency, Browser: *browserURL, Queue: *queueName, Work: true, JobTimeout: *jobTimeout}
	if up != nil {
		cfg.Mirror = up
	}
	e, code := sf.openEngine(ctx, env, cfg)
	if e == nil {
		return code
	}
	defer e.Close()
	fmt.Fprintf(env.stdout, "Worker %s: queue %q, %d cells at once, %s; evidence in %s\n", e.Queue.ID(), *queueName, *concurrency, e.Where(), absPath(e.Store.Dir()))
	// Runs of workers that died are marked interrupted here too, so a
	// cluster without serve still shows them.
	e.WatchRuns(ctx)
	fmt.Fprintln(env.stdout, "Worker stopping: the cells in progress are cancelled and run again elsewhere")
	return exitOK
}

func cmdMigrate(ctx context.Context, env *cli, args []string) int {
	fs := newFlags(env, "migrate", "[flags]", "Creates or updates the tables of the evidence store and of the queue (River's migrations) in --db,\nor in SQLite under --data. Every command does this at start when it is missing; run it once before\nstarting many workers together, or to check a database URL.")
	sf := addStoreFlags(fs)
	if _, done, code := parseFlags(env, fs, args); done {
		return code
	}
	store, q, code := sf.openWithQueue(ctx, env, "")
	if store == nil {
		return code
	}
	defer store.Close()
	q.Close(ctx)
	where := "SQLite under " + absPath(store.Dir())
	if sf.url() != "" {
		where = "PostgreSQL"
	}
	fmt.Fprintf(env.stdout, "Evidence store and queue are up to date (%s)\n", where)
	return exitOK
}

// workersReport is what `workers --json` prints.
type workersReport struct {
	Queue   string              `json:"queue"`
	Waiting int                 `json:"waiting"`
	Retries int                 `json:"scheduledRetries"`
	Running int                 `json:"running"`
	Workers []recordings.Worker `json:"workers"`
}

func cmdWorkers(ctx context.Context, env *cli, args []string) int {
	fs := newFlags(env, "workers", "[flags]", "Lists the live workers (a heartbeat within the last 15s): where they run, how many cells at once,\nwhat they run now and how many they have finished, and the queue's depth.")
	sf := addStoreFlags(fs)
	queueName := queueFlag(fs, "queue", "queue whose depth is shown")
	asJSON := fs.Bool("json", false, "print one JSON object")
	if _, done, code := parseFlags(env, fs, args); done {
		return code
	}
	store, q, code := sf.openWithQueue(ctx, env, *queueName)
	if store == nil {
		return code
	}
	defer store.Close()
	defer q.Close(ctx)
	rep, err := workforce(ctx, store, q, *queueName)
	if err != nil {
		return errorExit(env, err, exitFailed)
	}
	if *asJSON {
		printJSON(env.stdout, rep, true)
		return exitOK
	}
	fmt.Fprintf(env.stdout, "Queue %q: %d waiting, %d waiting for a retry, %d running\n", rep.Queue, rep.Waiting, rep.Retries, rep.Running)
	var rows []string
	for _, w := range rep.Workers {
		rows = append(rows, fmt.Sprintf("%s\t%s\t%d\t%s\t%s\t%.0fs ago\t%d\t%s", w.ID, w.Queue, w.Concurrency, cmp.Or(w.Browser, "own"),
			time.Since(w.StartedAt).Round(time.Second), time.Since(w.HeartbeatAt).Seconds(), w.Done, cmp.Or(strings.Join(w.Cells, ", "), "-")))
	}
	printTable(env.stdout, "No live worker.", "\nWORKER\tQUEUE\tAT ONCE\tBROWSER\tUP\tHEARTBEAT\tDONE\tRUNNING", rows)
	return exitOK
}

// workforce reads the live workers and the queue's depth.
func workforce(ctx context.Context, store *recordings.Store, q *queue.Queue, queueName string) (*workersReport, error) {
	ws, err := store.Workers()
	if err != nil {
		return nil, err
	}
	d, _, err := q.Depth(ctx)
	if err != nil {
		return nil, err
	}
	if ws == nil {
		ws = []recordings.Worker{}
	}
	return &workersReport{Queue: queueName, Waiting: d.Waiting, Retries: d.Scheduled, Running: d.Running, Workers: ws}, nil
}

// engineWorkforce is the web app's Workforce: the engine's queue and the
// workers in its store.
type engineWorkforce struct{ e *engine.Engine }

func (w engineWorkforce) Workforce(ctx context.Context) (*web.WorkforceReport, error) {
	rep, err := workforce(ctx, w.e.Store, w.e.Queue, w.e.Queue.Name())
	if err != nil {
		return nil, err
	}
	return &web.WorkforceReport{Queue: rep.Queue, Waiting: rep.Waiting, Retries: rep.Retries, Running: rep.Running, Workers: rep.Workers}, nil
}

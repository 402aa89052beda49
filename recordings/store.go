package recordings

import (
	"crypto/sha256"
	"encoding/hex"
	"errors"
	"fmt"
	"io"
	"log/slog"
	"os"
	"path/filepath"
	"regexp"
	"strings"
	"time"

	"gorm.io/driver/postgres"
	"gorm.io/driver/sqlite"
	"gorm.io/gorm"
	"gorm.io/gorm/clause"
	"gorm.io/gorm/logger"

	"journeyproof/internal/owner"
)

// DefaultDataDir is where the evidence goes when the command line is given
// no data folder.
const DefaultDataDir = "journeyproof-data"

// IsPostgres reports whether a --db value names a PostgreSQL database.
func IsPostgres(dsn string) bool {
	return strings.HasPrefix(dsn, "postgres://") || strings.HasPrefix(dsn, "postgresql://")
}

// CheckDBURL accepts "" (SQLite under the data folder) and postgres:// URLs.
func CheckDBURL(dsn string) error {
	if dsn == "" || IsPostgres(dsn) {
		return nil
	}
	return fmt.Errorf("--db %q: want a postgres://user:password@host:5432/database URL (or nothing, for SQLite under --data)", redact(dsn))
}

// redact hides the password of a database URL in messages.
func redact(dsn string) string {
	if at := strings.LastIndex(dsn, "@"); at > 0 {
		if i := strings.Index(dsn, "://"); i > 0 && i < at {
			if c := strings.Index(dsn[i+3:at], ":"); c >= 0 {
				return dsn[:i+3+c+1] + "***" + dsn[at:]
			}
		}
	}
	return dsn
}

// Store is the evidence store: a database (SQLite under the data folder,
// or a shared PostgreSQL) and an artifact folder.
type Store struct {
	DB  *gorm.DB
	dir string
	// postgres is true when DB is PostgreSQL.
	postgres bool
	// mirror, when set, gets every artifact written (SetArtifactMirror).
	mirror ArtifactMirror
	// owner is this process; hb keeps its running runs alive.
	owner owner.Owner
	hb    heartbeat
}

// ErrNotFound is returned for a run, artifact or release that is not there.
var ErrNotFound = errors.New("not found")

// Open opens (creating when needed) the store in dir:
// dir/journeyproof.db (WAL, busy timeout, foreign keys on) and
// dir/artifacts/<sha[:2]>/<sha>. Runs that a process which is gone left
// marked running are marked interrupted (ReapRuns).
func Open(dir string) (*Store, error) { return OpenDB(dir, "") }

// OpenDB opens the store with its runs in the database dbURL: "" is
// SQLite under dir (as Open), a postgres:// URL a shared PostgreSQL whose
// tables are created or brought up to date here. Artifacts are files under
// dir/artifacts either way.
func OpenDB(dir, dbURL string) (*Store, error) {
	if err := CheckDBURL(dbURL); err != nil {
		return nil, err
	}
	if err := os.MkdirAll(filepath.Join(dir, "artifacts"), 0o755); err != nil {
		return nil, fmt.Errorf("open store %s: %w", dir, err)
	}
	where := dir
	dialector := sqlite.Open("file:" + escapeURIPath(filepath.Join(dir, "journeyproof.db")) + "?_journal_mode=WAL&_busy_timeout=10000&_foreign_keys=on&_synchronous=NORMAL&_txlock=immediate")
	pg := IsPostgres(dbURL)
	if pg {
		where = redact(dbURL)
		dialector = postgres.Open(dbURL)
	}
	db, err := gorm.Open(dialector, &gorm.Config{Logger: logger.Discard, TranslateError: true})
	if err != nil {
		return nil, fmt.Errorf("open store %s: %w", where, err)
	}
	sqlDB, err := db.DB()
	if err != nil {
		return nil, fmt.Errorf("open store %s: %w", where, err)
	}
	if pg {
		// Many processes migrate at start: one at a time, on the one
		// connection that holds the lock.
		sqlDB.SetMaxOpenConns(1)
		if err := db.Exec(`SELECT pg_advisory_lock(4216001)`).Error; err != nil {
			sqlDB.Close()
			return nil, fmt.Errorf("open store %s: %w", where, err)
		}
	} else {
		sqlDB.SetMaxOpenConns(4)
	}
	if err := migrate(db, pg); err != nil {
		sqlDB.Close()
		return nil, fmt.Errorf("migrate store %s: %w", where, err)
	}
	if pg {
		if err := db.Exec(`SELECT pg_advisory_unlock(4216001)`).Error; err != nil {
			sqlDB.Close()
			return nil, fmt.Errorf("open store %s: %w", where, err)
		}
		sqlDB.SetMaxOpenConns(8)
	}
	s := &Store{DB: db, dir: dir, postgres: pg, owner: owner.Self()}
	if n, err := s.ReapRuns(); err != nil {
		sqlDB.Close()
		return nil, fmt.Errorf("open store %s: %w", where, err)
	} else if n > 0 {
		slog.Warn("runs left running by a process that is gone were marked interrupted", "runs", n)
	}
	return s, nil
}

// migrate creates or updates the tables, the indexes and the release
// summary.
func migrate(db *gorm.DB, pg bool) error {
	if err := db.AutoMigrate(&Journey{}, &Run{}, &Step{}, &FindingRow{}, &Artifact{}, &Video{}, &Baseline{}, &Review{}, &Approval{}, &Attachment{}, &Worker{}); err != nil {
		return err
	}
	for _, idx := range queryIndexes {
		if err := db.Exec(idx).Error; err != nil {
			return err
		}
	}
	if pg {
		return migrateReleaseStatsPostgres(db)
	}
	return migrateReleaseStats(db)
}

// escapeURIPath escapes a file path for an SQLite URI file name, in which
// "?" starts the options, "#" a fragment and "%" an escape: a data folder
// named "a?b#c%d" must open a database inside it, not "a".
func escapeURIPath(p string) string {
	var b strings.Builder
	for i := 0; i < len(p); i++ {
		switch c := p[i]; c {
		case '?', '#', '%':
			fmt.Fprintf(&b, "%%%02X", c)
		default:
			b.WriteByte(c)
		}
	}
	return b.String()
}

// queryIndexes serve the web app's lists on a large store: the releases
// (grouped by release, counted by status, dated by start) read from the
// index alone, and the newest runs come from it in order without a sort.
var queryIndexes = []string{
	`CREATE INDEX IF NOT EXISTS idx_runs_release_status_started ON runs(release, status, started_at)`,
	`CREATE INDEX IF NOT EXISTS idx_runs_started_id ON runs(started_at, id)`,
	`CREATE INDEX IF NOT EXISTS idx_runs_release_started_id ON runs(release, started_at, id)`,
}

// releaseStatsSQL is one release's row of release_stats, computed from its
// runs (through idx_runs_release_status_started: as many rows as the
// release has runs). %s is the release.
const releaseStatsSQL = `INSERT OR REPLACE INTO release_stats (release, runs, passed, failed, first, last)
	SELECT release, count(*), sum(CASE WHEN status = 'passed' THEN 1 ELSE 0 END),
		sum(CASE WHEN status <> 'passed' AND status <> 'running' THEN 1 ELSE 0 END), min(started_at), max(started_at)
	FROM runs WHERE release = %s GROUP BY release;`

// migrateReleaseStats keeps release_stats, the summary Releases reads, by
// triggers on runs: every insert, delete, and change of a run's release,
// status or start recomputes its release's row, whatever process writes.
// The rows are rebuilt at each open, so a store written without the
// triggers is right again.
func migrateReleaseStats(db *gorm.DB) error {
	stmts := []string{
		`CREATE TABLE IF NOT EXISTS release_stats (release TEXT PRIMARY KEY, runs INTEGER NOT NULL, passed INTEGER NOT NULL,
			failed INTEGER NOT NULL, first TEXT, last TEXT)`,
		`CREATE TRIGGER IF NOT EXISTS runs_release_stats_insert AFTER INSERT ON runs BEGIN ` +
			fmt.Sprintf(releaseStatsSQL, "NEW.release") + ` END`,
		`CREATE TRIGGER IF NOT EXISTS runs_release_stats_update AFTER UPDATE OF release, status, started_at ON runs BEGIN
			DELETE FROM release_stats WHERE release = OLD.release; ` +
			fmt.Sprintf(releaseStatsSQL, "OLD.release") + fmt.Sprintf(releaseStatsSQL, "NEW.release") + ` END`,
		`CREATE TRIGGER IF NOT EXISTS runs_release_stats_delete AFTER DELETE ON runs BEGIN
			DELETE FROM release_stats WHERE release = OLD.release; ` +
			fmt.Sprintf(releaseStatsSQL, "OLD.release") + ` END`,
	}
	return rebuildReleaseStats(db, stmts...)
}

// rebuildReleaseStats runs the statements that create release_stats and
// its triggers, then fills the table again from the runs, in one
// transaction (SQLite and PostgreSQL).
func rebuildReleaseStats(db *gorm.DB, create ...string) error {
	return db.Transaction(func(tx *gorm.DB) error {
		for _, st := range create {
			if err := tx.Exec(st).Error; err != nil {
				return fmt.Errorf("release summary: %w", err)
			}
		}
		if err := tx.Exec(`DELETE FROM release_stats`).Error; err != nil {
			return fmt.Errorf("release summary: %w", err)
		}
		return tx.Exec(`INSERT INTO release_stats (release, runs, passed, failed, first, last)
			SELECT release, count(*), sum(CASE WHEN status = 'passed' THEN 1 ELSE 0 END),
				sum(CASE WHEN status <> 'passed' AND status <> 'running' THEN 1 ELSE 0 END), min(started_at), max(started_at)
			FROM runs GROUP BY release`).Error
	})
}

// Dir is the store's data directory.
func (s *Store) Dir() string { return s.dir }

// Close stops the heartbeat of this process's runs and closes the
// database.
func (s *Store) Close() error {
	s.stopHeartbeat()
	sqlDB, err := s.DB.DB()
	if err != nil {
		return err
	}
	return sqlDB.Close()
}

var shaPattern = regexp.MustCompile(`^[0-9a-f]{64}$`)

// ValidSHA reports whether s is a lower-case hex SHA-256.
func ValidSHA(s string) bool { return shaPattern.MatchString(s) }

// ArtifactPath is where the artifact with the hash lives. It returns ""
// for anything that is not a valid hash, so no request text reaches the
// file system.
func (s *Store) ArtifactPath(sha string) string {
	if !ValidSHA(sha) {
		return ""
	}
	abs, err := filepath.Abs(filepath.Join(s.dir, "artifacts", sha[:2], sha))
	if err != nil {
		return ""
	}
	return abs
}

// PutArtifact stores data (once per content) and returns its SHA-256.
func (s *Store) PutArtifact(data []byte, contentType string) (string, error) {
	sum := sha256.Sum256(data)
	sha := hex.EncodeToString(sum[:])
	path := s.ArtifactPath(sha)
	if !artifactIntact(path, sha, int64(len(data))) {
		if err := writeAtomic(path, func(w io.Writer) error { _, err := w.Write(data); return err }); err != nil {
			return "", fmt.Errorf("store artifact: %w", err)
		}
	}
	if err := s.mirrorArtifact(sha, contentType); err != nil {
		return "", err
	}
	return sha, s.recordArtifact(sha, contentType, int64(len(data)))
}

// PutArtifactFile stores the file at path (streamed, not read into memory)
// and returns its SHA-256.
func (s *Store) PutArtifactFile(src, contentType string) (string, error) {
	f, err := os.Open(src)
	if err != nil {
		return "", fmt.Errorf("store artifact %s: %w", src, err)
	}
	defer f.Close()
	h := sha256.New()
	n, err := io.Copy(h, f)
	if err != nil {
		return "", fmt.Errorf("store artifact %s: %w", src, err)
	}
	sha := hex.EncodeToString(h.Sum(nil))
	path := s.ArtifactPath(sha)
	if !artifactIntact(path, sha, n) {
		if _, err := f.Seek(0, io.SeekStart); err != nil {
			return "", err
		}
		if err := writeAtomic(path, func(w io.Writer) error { _, err := io.Copy(w, f); return err }); err != nil {
			return "", fmt.Errorf("store artifact %s: %w", src, err)
		}
	}
	if err := s.mirrorArtifact(sha, contentType); err != nil {
		return "", err
	}
	return sha, s.recordArtifact(sha, contentType, n)
}

func (s *Store) recordArtifact(sha, contentType string, size int64) error {
	a := Artifact{SHA256: sha, ContentType: contentType, Size: size, CreatedAt: time.Now()}
	if err := s.DB.Clauses(clause.OnConflict{DoNothing: true}).Create(&a).Error; err != nil {
		return fmt.Errorf("record artifact %s: %w", sha, err)
	}
	return nil
}

// artifactIntact reports whether the artifact file at path is there with
// the size and SHA-256 it is named for. A file left empty or short by a
// crash, or changed on disk, is not: the caller writes it again rather
// than trusting that it exists.
func artifactIntact(path, sha string, size int64) bool {
	f, err := os.Open(path)
	if err != nil {
		return false
	}
	defer f.Close()
	fi, err := f.Stat()
	if err != nil || !fi.Mode().IsRegular() || fi.Size() != size {
		return false
	}
	h := sha256.New()
	if _, err := io.Copy(h, f); err != nil {
		return false
	}
	return hex.EncodeToString(h.Sum(nil)) == sha
}

// writeAtomic writes a file through a temporary file, an fsync and a
// rename, then fsyncs the folder, so that a reader never sees half of it
// and a crash leaves either no file or the whole file.
func writeAtomic(path string, write func(io.Writer) error) error {
	dir := filepath.Dir(path)
	if _, err := os.Stat(dir); errors.Is(err, os.ErrNotExist) {
		if err := os.MkdirAll(dir, 0o755); err != nil {
			return err
		}
		if err := syncDir(filepath.Dir(dir)); err != nil {
			return err
		}
	}
	tmp, err := os.CreateTemp(dir, ".tmp-*")
	if err != nil {
		return err
	}
	fail := func(err error) error {
		tmp.Close()
		os.Remove(tmp.Name())
		return err
	}
	if err := write(tmp); err != nil {
		return fail(err)
	}
	if err := tmp.Sync(); err != nil {
		return fail(err)
	}
	if err := tmp.Close(); err != nil {
		os.Remove(tmp.Name())
		return err
	}
	if err := os.Rename(tmp.Name(), path); err != nil {
		os.Remove(tmp.Name())
		return err
	}
	return syncDir(dir)
}

// syncDir fsyncs a folder, so that a rename into it survives a crash.
func syncDir(dir string) error {
	d, err := os.Open(dir)
	if err != nil {
		return err
	}
	defer d.Close()
	if err := d.Sync(); err != nil && !errors.Is(err, os.ErrInvalid) {
		return err
	}
	return nil
}

// Artifact returns the artifact's record.
func (s *Store) Artifact(sha string) (*Artifact, error) {
	if !ValidSHA(sha) {
		return nil, ErrNotFound
	}
	var a Artifact
	if err := s.DB.First(&a, "sha256 = ?", sha).Error; err != nil {
		if errors.Is(err, gorm.ErrRecordNotFound) {
			return nil, ErrNotFound
		}
		return nil, err
	}
	return &a, nil
}

// ReadArtifact returns the artifact's content.
func (s *Store) ReadArtifact(sha string) ([]byte, error) {
	p := s.ArtifactPath(sha)
	if p == "" {
		return nil, ErrNotFound
	}
	b, err := os.ReadFile(p)
	if errors.Is(err, os.ErrNotExist) {
		return nil, ErrNotFound
	}
	return b, err
}

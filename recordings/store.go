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
	"time"

	"gorm.io/driver/sqlite"
	"gorm.io/gorm"
	"gorm.io/gorm/clause"
	"gorm.io/gorm/logger"

	"journeyproof/internal/owner"
)

// DefaultDataDir is where the evidence goes without --data or
// JOURNEYPROOF_DATA.
const DefaultDataDir = "journeyproof-data"

// DataDir returns the data directory: flag, then JOURNEYPROOF_DATA, then
// ./journeyproof-data.
func DataDir(flag string) string {
	if flag != "" {
		return flag
	}
	if d := os.Getenv("JOURNEYPROOF_DATA"); d != "" {
		return d
	}
	return DefaultDataDir
}

// Store is the evidence store: a SQLite database and an artifact folder.
type Store struct {
	DB  *gorm.DB
	dir string
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
func Open(dir string) (*Store, error) {
	if err := os.MkdirAll(filepath.Join(dir, "artifacts"), 0o755); err != nil {
		return nil, fmt.Errorf("open store %s: %w", dir, err)
	}
	dsn := "file:" + filepath.Join(dir, "journeyproof.db") + "?_journal_mode=WAL&_busy_timeout=10000&_foreign_keys=on&_synchronous=NORMAL&_txlock=immediate"
	db, err := gorm.Open(sqlite.Open(dsn), &gorm.Config{Logger: logger.Discard, TranslateError: true})
	if err != nil {
		return nil, fmt.Errorf("open store %s: %w", dir, err)
	}
	sqlDB, err := db.DB()
	if err != nil {
		return nil, fmt.Errorf("open store %s: %w", dir, err)
	}
	sqlDB.SetMaxOpenConns(4)
	if err := db.AutoMigrate(&Journey{}, &Run{}, &Step{}, &Finding{}, &Artifact{}, &Video{}, &Baseline{}); err != nil {
		sqlDB.Close()
		return nil, fmt.Errorf("migrate store %s: %w", dir, err)
	}
	s := &Store{DB: db, dir: dir, owner: owner.Self()}
	if n, err := s.ReapRuns(); err != nil {
		sqlDB.Close()
		return nil, fmt.Errorf("open store %s: %w", dir, err)
	} else if n > 0 {
		slog.Warn("runs left running by a process that is gone were marked interrupted", "runs", n)
	}
	return s, nil
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
	if _, err := os.Stat(path); err != nil {
		if err := writeAtomic(path, func(w io.Writer) error { _, err := w.Write(data); return err }); err != nil {
			return "", fmt.Errorf("store artifact: %w", err)
		}
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
	if _, err := os.Stat(path); err != nil {
		if _, err := f.Seek(0, io.SeekStart); err != nil {
			return "", err
		}
		if err := writeAtomic(path, func(w io.Writer) error { _, err := io.Copy(w, f); return err }); err != nil {
			return "", fmt.Errorf("store artifact %s: %w", src, err)
		}
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

// writeAtomic writes a file through a temporary file and a rename, so a
// reader never sees half of it.
func writeAtomic(path string, write func(io.Writer) error) error {
	if err := os.MkdirAll(filepath.Dir(path), 0o755); err != nil {
		return err
	}
	tmp, err := os.CreateTemp(filepath.Dir(path), ".tmp-*")
	if err != nil {
		return err
	}
	if err := write(tmp); err != nil {
		tmp.Close()
		os.Remove(tmp.Name())
		return err
	}
	if err := tmp.Close(); err != nil {
		os.Remove(tmp.Name())
		return err
	}
	return os.Rename(tmp.Name(), path)
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

package recordings

import (
	"gorm.io/gorm"
)

// releaseStatsPostgres is migrateReleaseStats for PostgreSQL: the same
// table and the same rows, kept by a PL/pgSQL trigger function on runs.
const releaseStatsPostgres = `
CREATE TABLE IF NOT EXISTS release_stats (release TEXT PRIMARY KEY, runs INTEGER NOT NULL, passed INTEGER NOT NULL,
	failed INTEGER NOT NULL, first TIMESTAMPTZ, last TIMESTAMPTZ);
CREATE OR REPLACE FUNCTION journeyproof_release_stats(rel TEXT) RETURNS void AS $$
BEGIN
	DELETE FROM release_stats WHERE release = rel;
	INSERT INTO release_stats (release, runs, passed, failed, first, last)
		SELECT release, count(*), sum(CASE WHEN status = 'passed' THEN 1 ELSE 0 END),
			sum(CASE WHEN status <> 'passed' AND status <> 'running' THEN 1 ELSE 0 END), min(started_at), max(started_at)
		FROM runs WHERE release = rel GROUP BY release;
END $$ LANGUAGE plpgsql;
CREATE OR REPLACE FUNCTION journeyproof_runs_release_stats() RETURNS trigger AS $$
BEGIN
	IF TG_OP = 'DELETE' OR TG_OP = 'UPDATE' THEN
		PERFORM journeyproof_release_stats(OLD.release);
	END IF;
	IF TG_OP = 'INSERT' OR (TG_OP = 'UPDATE' AND NEW.release IS DISTINCT FROM OLD.release) THEN
		PERFORM journeyproof_release_stats(NEW.release);
	END IF;
	RETURN NULL;
END $$ LANGUAGE plpgsql;
DROP TRIGGER IF EXISTS runs_release_stats ON runs;
CREATE TRIGGER runs_release_stats AFTER INSERT OR DELETE OR UPDATE OF release, status, started_at ON runs
	FOR EACH ROW EXECUTE FUNCTION journeyproof_runs_release_stats();
`

// migrateReleaseStatsPostgres creates the release summary and its trigger
// on PostgreSQL and rebuilds the rows, as migrateReleaseStats on SQLite.
func migrateReleaseStatsPostgres(db *gorm.DB) error {
	return rebuildReleaseStats(db, releaseStatsPostgres)
}

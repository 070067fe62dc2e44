-- History store, version 1 (SQLite). The same tables and columns as postgres/001_init.sql.
CREATE TABLE runs (
    id INTEGER PRIMARY KEY AUTOINCREMENT,
    instance TEXT NOT NULL,
    command TEXT NOT NULL,
    started_at TEXT NOT NULL,
    duration_ms BIGINT NOT NULL,
    tool_version TEXT NOT NULL,
    series TEXT,
    exit_code BIGINT,
    errors BIGINT NOT NULL,
    warnings BIGINT NOT NULL,
    infos BIGINT NOT NULL
);
CREATE INDEX runs_by_instance ON runs (instance, command, started_at);
CREATE TABLE findings (
    run_id BIGINT NOT NULL REFERENCES runs (id) ON DELETE CASCADE,
    fingerprint TEXT NOT NULL,
    code TEXT NOT NULL,
    rule TEXT NOT NULL,
    severity TEXT NOT NULL,
    module TEXT,
    finding_key TEXT,
    file TEXT,
    line BIGINT,
    col BIGINT,
    message TEXT NOT NULL,
    hint TEXT NOT NULL
);
CREATE INDEX findings_by_run ON findings (run_id);
CREATE INDEX findings_by_fingerprint ON findings (fingerprint);
CREATE TABLE modules (
    run_id BIGINT NOT NULL REFERENCES runs (id) ON DELETE CASCADE,
    name TEXT NOT NULL,
    state TEXT,
    installed_version TEXT,
    code_version TEXT
);
CREATE INDEX modules_by_run ON modules (run_id);

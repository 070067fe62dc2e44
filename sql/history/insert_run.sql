-- One run; its id.
INSERT INTO runs (instance, command, started_at, duration_ms, tool_version, series, exit_code, errors, warnings, infos)
VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10)
RETURNING id

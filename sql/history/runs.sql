-- Runs, newest first; $1/$2 filter on instance and command when not NULL; $3 rows at most.
SELECT id, instance, command, started_at, duration_ms, tool_version, series, exit_code, errors, warnings, infos
FROM runs
WHERE (CAST($1 AS TEXT) IS NULL OR instance = $1) AND (CAST($2 AS TEXT) IS NULL OR command = $2)
ORDER BY started_at DESC, id DESC
LIMIT $3

SELECT id, instance, command, started_at, duration_ms, tool_version, series, exit_code, errors, warnings, infos
FROM runs
WHERE id = $1

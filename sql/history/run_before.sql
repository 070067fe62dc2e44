-- The newest run of an instance and command started at or before $3 (UTC, RFC 3339).
SELECT id FROM runs
WHERE instance = $1 AND command = $2 AND started_at <= $3
ORDER BY started_at DESC, id DESC
LIMIT 1

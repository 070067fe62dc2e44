-- When each fingerprint of a run was first recorded for the same instance and command.
SELECT f.fingerprint, min(r.started_at)
FROM findings f
JOIN runs r ON r.id = f.run_id
WHERE r.instance = $1 AND r.command = $2 AND r.started_at <= $3
  AND f.fingerprint IN (SELECT fingerprint FROM findings WHERE run_id = $4)
GROUP BY f.fingerprint

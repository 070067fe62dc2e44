INSERT INTO findings (run_id, fingerprint, code, rule, severity, module, finding_key, file, line, col, message, hint)
VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11, $12)

SELECT fingerprint, code, rule, severity, module, finding_key, file, line, col, message, hint
FROM findings
WHERE run_id = $1

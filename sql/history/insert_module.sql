INSERT INTO modules (run_id, name, state, installed_version, code_version)
VALUES ($1, $2, $3, $4, $5)

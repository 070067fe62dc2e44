SELECT name, state, installed_version, code_version
FROM modules
WHERE run_id = $1
ORDER BY name

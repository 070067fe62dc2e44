-- What module_auto_update / click-odoo-update keep: the checksums stored at the last update
-- and the exclude patterns (ir_config_parameter), and the active languages (whose .po files
-- count). A database without res_lang.active (odd schema) reads no languages.
SELECT
    (SELECT value::text FROM ir_config_parameter
      WHERE key = 'module_auto_update.installed_checksums') AS installed_checksums,
    (SELECT value::text FROM ir_config_parameter
      WHERE key = 'module_auto_update.exclude_patterns') AS exclude_patterns,
    (SELECT string_agg(l.code::text, ',' ORDER BY l.code)
       FROM res_lang l
      WHERE COALESCE((to_jsonb(l) ->> 'active')::boolean, false)) AS languages

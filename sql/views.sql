-- Every view of ir_ui_view (active or not), with the XML id that owns it (the first row of
-- ir_model_data by id), that module's state and the XML id's noupdate flag. The columns are read
-- from the row as jsonb, so that one query serves every schema: a column the series (or the set
-- of installed modules) lacks, such as website_id without `website` or arch_updated, reads as
-- NULL instead of failing. arch_db is jsonb ({lang: arch}) since Odoo 16 and text before (`arch`
-- before 9.0); the English arch is taken, else the first one. Values are handed over as text
-- and decoded by the loader.
WITH v AS (
    SELECT v.id, to_jsonb(v) AS r
      FROM ir_ui_view v
)
SELECT v.id,
       v.r ->> 'name' AS name,
       v.r ->> 'model' AS model,
       v.r ->> 'key' AS key,
       v.r ->> 'type' AS type,
       v.r ->> 'inherit_id' AS inherit_id,
       -- A NULL mode is no extension: Odoo looks up extensions with `mode = 'extension'`.
       COALESCE(v.r ->> 'mode', 'primary') AS mode,
       -- A NULL active is inactive (Odoo filters on `active = true`); without the column, every
       -- view is active.
       CASE WHEN v.r ? 'active' THEN COALESCE(v.r ->> 'active', 'false') ELSE 'true' END AS active,
       v.r ->> 'priority' AS priority,
       CASE jsonb_typeof(a.arch)
           WHEN 'object' THEN COALESCE(a.arch ->> 'en_US',
                                       (SELECT value FROM jsonb_each_text(a.arch) LIMIT 1))
           WHEN 'string' THEN a.arch #>> '{}'
       END AS arch,
       v.r ->> 'arch_fs' AS arch_fs,
       v.r ->> 'arch_updated' AS arch_updated,
       v.r ->> 'website_id' AS website_id,
       x.xmlid,
       x.module,
       m.state::text AS module_state,
       x.noupdate
  FROM v
 CROSS JOIN LATERAL (SELECT COALESCE(v.r -> 'arch_db', v.r -> 'arch') AS arch) a
  LEFT JOIN LATERAL (SELECT d.module::text AS module,
                            d.module::text || '.' || d.name::text AS xmlid,
                            d.noupdate
                       FROM ir_model_data d
                      WHERE d.model = 'ir.ui.view' AND d.res_id = v.id
                      ORDER BY d.id LIMIT 1) x ON true
  LEFT JOIN ir_module_module m ON m.name::text = x.module
 ORDER BY v.id

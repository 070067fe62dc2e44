-- Every module row with its display name and category. Translatable names are jsonb since
-- Odoo 16 ({"en_US": "...", ...}); to_jsonb() also accepts the plain varchar of older schemas.
-- The English value is shown, else the first one. Text columns are cast to text so that an
-- odd column type still reads.
WITH m AS (
    SELECT m.id,
           m.name::text AS name,
           m.state::text AS state,
           m.latest_version::text AS latest_version,
           m.author::text AS author,
           m.website::text AS website,
           m.license::text AS license,
           m.auto_install,
           m.application,
           to_jsonb(m.shortdesc) AS shortdesc,
           to_jsonb(c.name) AS category
      FROM ir_module_module m
      LEFT JOIN ir_module_category c ON c.id = m.category_id
)
SELECT id,
       name,
       state,
       latest_version,
       author,
       website,
       license,
       COALESCE(auto_install, false) AS auto_install,
       COALESCE(application, false) AS application,
       CASE jsonb_typeof(shortdesc)
           WHEN 'object' THEN COALESCE(shortdesc ->> 'en_US',
                                       (SELECT value FROM jsonb_each_text(shortdesc) LIMIT 1))
           ELSE shortdesc #>> '{}'
       END AS display_name,
       CASE jsonb_typeof(category)
           WHEN 'object' THEN COALESCE(category ->> 'en_US',
                                       (SELECT value FROM jsonb_each_text(category) LIMIT 1))
           ELSE category #>> '{}'
       END AS category
  FROM m
 ORDER BY name

-- Menus whose action reference ('ir.actions.client,42') points at no action of that type.
-- Ids may be integer or bigint.
-- Every action type inherits ir_actions, so one lookup covers them all.
WITH menus AS (
    SELECT u.id,
           to_jsonb(u.name) AS name,
           u.action::text AS action,
           split_part(u.action::text, ',', 1) AS model,
           CASE WHEN split_part(u.action::text, ',', 2) ~ '^[0-9]{1,18}$'
                THEN split_part(u.action::text, ',', 2)::bigint END AS res_id,
           u.active
      FROM ir_ui_menu u
     WHERE u.action IS NOT NULL AND u.action::text <> ''
)
SELECT mn.id,
       CASE jsonb_typeof(mn.name)
           WHEN 'object' THEN COALESCE(mn.name ->> 'en_US',
                                       (SELECT value FROM jsonb_each_text(mn.name) LIMIT 1))
           ELSE mn.name #>> '{}'
       END AS name,
       mn.action,
       COALESCE(mn.active, true) AS active,
       (SELECT d.module::text || '.' || d.name::text
          FROM ir_model_data d
         WHERE d.model = 'ir.ui.menu' AND d.res_id = mn.id
         ORDER BY d.id LIMIT 1) AS xmlid
  FROM menus mn
 WHERE mn.res_id IS NULL
    OR NOT EXISTS (SELECT 1 FROM ir_actions a WHERE a.id = mn.res_id AND a.type::text = mn.model)
 ORDER BY mn.id

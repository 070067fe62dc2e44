-- Client actions with their tag, the module owning each (its XML id in ir_model_data) and that
-- module's state, and the menus that open it (ir_ui_menu.action = 'ir.actions.client,<id>').
SELECT a.id,
       a.tag::text AS tag,
       CASE jsonb_typeof(to_jsonb(a.name))
           WHEN 'object' THEN COALESCE(to_jsonb(a.name) ->> 'en_US',
                                       (SELECT value FROM jsonb_each_text(to_jsonb(a.name)) LIMIT 1))
           ELSE to_jsonb(a.name) #>> '{}'
       END AS name,
       x.module,
       x.xmlid,
       m.state::text AS module_state,
       COALESCE((SELECT array_agg(
                            COALESCE(
                                CASE jsonb_typeof(to_jsonb(u.name))
                                    WHEN 'object' THEN to_jsonb(u.name) ->> 'en_US'
                                    ELSE to_jsonb(u.name) #>> '{}'
                                END, '') || ' (id ' || u.id || COALESCE(', ' || (
                                    SELECT d.module::text || '.' || d.name::text FROM ir_model_data d
                                     WHERE d.model = 'ir.ui.menu' AND d.res_id = u.id
                                     ORDER BY d.id LIMIT 1), '') || ')'
                            ORDER BY u.id)
                   FROM ir_ui_menu u
                  WHERE u.action = 'ir.actions.client,' || a.id
                    AND COALESCE(u.active, true)), '{}') AS menus
  FROM ir_act_client a
  LEFT JOIN LATERAL (SELECT d.module::text AS module, d.module::text || '.' || d.name::text AS xmlid
                       FROM ir_model_data d
                      WHERE d.model = 'ir.actions.client' AND d.res_id = a.id
                      ORDER BY d.id LIMIT 1) x ON true
  LEFT JOIN ir_module_module m ON m.name::text = x.module
 ORDER BY a.id

-- XML ids (ir_model_data) of the models that matter whose record no longer exists. One branch
-- per model so that each is a hash anti-join (an OR of NOT EXISTS runs a subplan per row).
SELECT d.id, d.module::text AS module, d.name::text AS name, d.model::text AS model, d.res_id
  FROM ir_model_data d
 WHERE d.model = 'ir.ui.menu'
   AND NOT EXISTS (SELECT 1 FROM ir_ui_menu t WHERE t.id = d.res_id)
UNION ALL
SELECT d.id, d.module::text AS module, d.name::text AS name, d.model::text AS model, d.res_id
  FROM ir_model_data d
 WHERE d.model LIKE 'ir.actions.%'
   AND NOT EXISTS (SELECT 1 FROM ir_actions t WHERE t.id = d.res_id)
UNION ALL
SELECT d.id, d.module::text AS module, d.name::text AS name, d.model::text AS model, d.res_id
  FROM ir_model_data d
 WHERE d.model = 'ir.ui.view'
   AND NOT EXISTS (SELECT 1 FROM ir_ui_view t WHERE t.id = d.res_id)
UNION ALL
SELECT d.id, d.module::text AS module, d.name::text AS name, d.model::text AS model, d.res_id
  FROM ir_model_data d
 WHERE d.model = 'ir.model.fields'
   AND NOT EXISTS (SELECT 1 FROM ir_model_fields t WHERE t.id = d.res_id)
UNION ALL
SELECT d.id, d.module::text AS module, d.name::text AS name, d.model::text AS model, d.res_id
  FROM ir_model_data d
 WHERE d.model = 'ir.model'
   AND NOT EXISTS (SELECT 1 FROM ir_model t WHERE t.id = d.res_id)
 ORDER BY 2, 3

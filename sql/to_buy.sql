-- The rows Odoo Community lists for Odoo Enterprise apps (`to_buy`: "Odoo Enterprise Module"),
-- which stay `uninstallable`. Read through to_jsonb() so that a schema without the column
-- reads none instead of failing.
SELECT m.name::text AS name
  FROM ir_module_module m
 WHERE COALESCE((to_jsonb(m) ->> 'to_buy')::boolean, false)
 ORDER BY 1

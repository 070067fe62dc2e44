-- backup test-restore: exact row counts of key Odoo tables of the restored scratch database
-- (a table it does not have is left out; query_to_xml runs the count inside this read-only
-- transaction), and the size of the database.
SELECT t AS table_name,
       (xpath('/row/n/text()',
              query_to_xml(format('SELECT count(*) AS n FROM public.%I', t), false, true, '')))[1]::text::bigint AS row_count,
       pg_database_size(current_database())::bigint AS database_size
FROM unnest(ARRAY['res_company', 'res_users', 'res_partner', 'res_groups', 'ir_module_module',
                  'ir_model', 'ir_model_fields', 'ir_model_data', 'ir_ui_view', 'ir_ui_menu',
                  'ir_attachment', 'ir_config_parameter', 'mail_message', 'account_move',
                  'sale_order', 'purchase_order', 'stock_move', 'product_product']) AS t
WHERE to_regclass('public.' || quote_ident(t)) IS NOT NULL
ORDER BY t

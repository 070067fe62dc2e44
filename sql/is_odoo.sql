-- Is this an Odoo database? Also reads the server version and the database name.
SELECT to_regclass('public.ir_module_module') IS NOT NULL AS is_odoo,
       current_setting('server_version') AS server_version,
       current_database() AS database

-- Is this an Odoo database? Also reads the server version, the database name and the role the
-- session runs as (and whether it is a superuser).
SELECT to_regclass('public.ir_module_module') IS NOT NULL AS is_odoo,
       current_setting('server_version') AS server_version,
       current_database()::text AS database,
       current_user::text AS role,
       current_setting('is_superuser') = 'on' AS superuser

-- The figures of `parity verify`, in one query.
SELECT
    (SELECT count(*) FROM ir_module_module WHERE state = 'installed') AS installed_modules,
    (SELECT count(DISTINCT category_id) FROM ir_module_module
      WHERE state = 'installed' AND category_id IS NOT NULL) AS installed_categories,
    (SELECT count(*) FROM ir_module_module
      WHERE state = 'installed'
        AND (website ILIKE '%github.com/oca%'
             OR author ILIKE '%odoo community association%'
             OR author ~ '(^|[^A-Za-z0-9])OCA([^A-Za-z0-9]|$)')) AS oca_modules,
    (SELECT count(*) FROM ir_act_server) AS server_actions,
    (SELECT count(*) FROM ir_ui_menu WHERE active) AS active_menus,
    (SELECT count(*) FROM information_schema.tables
      WHERE table_schema = current_schema() AND table_type = 'BASE TABLE'
        AND table_name LIKE 'ir\_%') AS core_tables,
    (SELECT count(*) FROM ir_module_module WHERE state = 'uninstallable') AS uninstallable,
    (SELECT count(*) FROM ir_module_module WHERE state = 'to upgrade') AS to_upgrade

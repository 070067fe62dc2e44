-- Every dependency row: the module, the name of its dependency and that dependency's state
-- (NULL when the database has no module of that name).
SELECT d.id,
       m.name::text AS module,
       m.state::text AS module_state,
       d.name::text AS dependency,
       dm.state::text AS dependency_state
  FROM ir_module_module_dependency d
  JOIN ir_module_module m ON m.id = d.module_id
  LEFT JOIN ir_module_module dm ON dm.name = d.name
 ORDER BY m.name, d.name

-- Every dependency row: the module, the name of its dependency and that dependency's state
-- (NULL when the database has no module of that name).
SELECT m.name AS module,
       m.state AS module_state,
       d.name AS dependency,
       dm.state AS dependency_state
  FROM ir_module_module_dependency d
  JOIN ir_module_module m ON m.id = d.module_id
  LEFT JOIN ir_module_module dm ON dm.name = d.name
 ORDER BY m.name, d.name

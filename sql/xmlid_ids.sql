-- Every XML id with the database id of its record, for the `%(module.name)d` references that
-- data files write in view archs (convert.py replaces them with the record's id).
SELECT d.id, d.module::text || '.' || d.name::text AS xmlid, d.res_id
  FROM ir_model_data d
 WHERE d.res_id IS NOT NULL
 ORDER BY d.id

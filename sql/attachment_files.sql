-- backup test-restore: the filestore files the restored database refers to (ir_attachment
-- rows stored in the filestore; attachments of equal content share one file).
SELECT DISTINCT store_fname
FROM ir_attachment
WHERE store_fname IS NOT NULL AND store_fname <> ''
ORDER BY store_fname

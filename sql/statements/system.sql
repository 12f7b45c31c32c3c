-- name: database-ping
SELECT 1 AS ok

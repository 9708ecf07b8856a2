-- Refresh token families remember the client they were issued to, as sqlite/008: NULL for the
-- client-less password login and for every family from before this migration.

ALTER TABLE refresh_families ADD COLUMN client_id TEXT;

-- Refresh token families remember the client they were issued to (RFC 6749 §6, §10.4: only that
-- client may refresh them); NULL for the client-less password login. Families from before this
-- migration are NULL too: they keep refreshing from requests that present no client, and a
-- registered client holding one is refused and logs its user in again. No foreign key: a deleted
-- client's families stay until they expire, and the refresh grant, finding no such client,
-- refuses them.

ALTER TABLE refresh_families ADD COLUMN client_id TEXT;

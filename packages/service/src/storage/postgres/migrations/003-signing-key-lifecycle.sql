-- Asymmetric signing keys and rotation, as sqlite/003-signing-key-lifecycle.sql. `secret` now
-- holds the HS256 secret (base64url) or the private key (PKCS#8 PEM); `public_jwk` the public
-- key as JWK JSON (NULL for HS256). A key's status is derived from its times: retires_at NULL =
-- active (the newest activated one signs), retires_at in the future = still verifying, in the
-- past = retired (refused).

ALTER TABLE signing_keys ADD COLUMN public_jwk TEXT;
ALTER TABLE signing_keys ADD COLUMN activated_at BIGINT NOT NULL DEFAULT 0;
ALTER TABLE signing_keys ADD COLUMN retires_at BIGINT;

-- Keys from before this migration were active from their creation.
UPDATE signing_keys SET activated_at = created_at;

CREATE INDEX signing_keys_by_activation ON signing_keys (activated_at, kid);

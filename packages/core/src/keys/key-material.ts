// Making signing keys and turning stored keys into what signs, verifies and is published.
import {
  createHash,
  createPrivateKey,
  createPublicKey,
  generateKeyPairSync,
  type KeyObject,
  randomBytes,
} from "node:crypto";
import { z } from "zod";
import type { SigningAlgorithm, SigningKeyRecord } from "./signing-keys.ts";
import type { TokenKey } from "./token-keys.ts";
import { deriveKeyId } from "./token-keys.ts";

const ed25519Jwk = z.object({
  kty: z.literal("OKP"),
  crv: z.literal("Ed25519"),
  x: z.string().regex(/^[A-Za-z0-9_-]{43}$/),
});
const p256Jwk = z.object({
  kty: z.literal("EC"),
  crv: z.literal("P-256"),
  x: z.string().regex(/^[A-Za-z0-9_-]{43}$/),
  y: z.string().regex(/^[A-Za-z0-9_-]{43}$/),
});

/** The public half of an EdDSA (Ed25519) or ES256 (P-256) key, as RFC 7517 JWK members. */
const publicKeyJwk = z.union([ed25519Jwk, p256Jwk]);
type PublicKeyJwk = z.infer<typeof publicKeyJwk>;

/** A JWK Set entry (RFC 7517 §4): public members only, never `d` or `k`. */
export type PublishedJwk = PublicKeyJwk & {
  readonly kid: string;
  readonly alg: "EdDSA" | "ES256";
  readonly use: "sig";
};

/** Only the public members, so a private JWK handed in by mistake cannot leak its `d`. */
function publicMembers(jwk: PublicKeyJwk): PublicKeyJwk {
  return jwk.kty === "OKP"
    ? { kty: jwk.kty, crv: jwk.crv, x: jwk.x }
    : { kty: jwk.kty, crv: jwk.crv, x: jwk.x, y: jwk.y };
}

/** RFC 7638 JWK thumbprint: SHA-256 over the required members in lexicographic order. */
function thumbprint(jwk: PublicKeyJwk): string {
  const canonical =
    jwk.kty === "OKP"
      ? JSON.stringify({ crv: jwk.crv, kty: jwk.kty, x: jwk.x })
      : JSON.stringify({ crv: jwk.crv, kty: jwk.kty, x: jwk.x, y: jwk.y });
  return createHash("sha256").update(canonical).digest("base64url");
}

function jwkOf(key: KeyObject): PublicKeyJwk {
  return publicMembers(publicKeyJwk.parse(key.export({ format: "jwk" })));
}

/**
 * Generates a fresh key for `algorithm`, active from `now`: 256 random bits for HS256, an
 * Ed25519 or P-256 key pair otherwise. Asymmetric keys get their RFC 7638 thumbprint as `kid`.
 */
export function generateSigningKey(algorithm: SigningAlgorithm, now: number): SigningKeyRecord {
  if (algorithm === "HS256") {
    const secret = randomBytes(32);
    return {
      kid: deriveKeyId(secret),
      algorithm,
      secret: secret.toString("base64url"),
      publicJwk: null,
      createdAt: now,
      activatedAt: now,
      retiresAt: null,
    };
  }
  const { privateKey, publicKey } =
    algorithm === "EdDSA"
      ? generateKeyPairSync("ed25519")
      : generateKeyPairSync("ec", { namedCurve: "P-256" });
  const jwk = jwkOf(publicKey);
  return {
    kid: thumbprint(jwk),
    algorithm,
    secret: privateKey.export({ type: "pkcs8", format: "pem" }).toString(),
    publicJwk: JSON.stringify(jwk),
    createdAt: now,
    activatedAt: now,
    retiresAt: null,
  };
}

/**
 * Turns a stored key into a key the token service signs and verifies with. The public key is
 * derived from the private one, so a tampered `publicJwk` column cannot change what verifies.
 * @throws {TypeError} when the stored material does not fit the algorithm
 */
export function toTokenKey(record: SigningKeyRecord): TokenKey {
  if (record.algorithm === "HS256") {
    return { kid: record.kid, algorithm: "HS256", secret: Buffer.from(record.secret, "base64url") };
  }
  const privateKey = createPrivateKey(record.secret);
  const expected = record.algorithm === "EdDSA" ? "ed25519" : "ec";
  if (privateKey.asymmetricKeyType !== expected) {
    throw new TypeError(`signing key ${record.kid} is not an ${record.algorithm} key`);
  }
  const publicKey = createPublicKey(privateKey);
  return {
    kid: record.kid,
    algorithm: record.algorithm,
    privateKey: record.secret,
    publicKey: publicKey.export({ type: "spki", format: "pem" }).toString(),
  };
}

/** The JWKS entry of a stored key; `undefined` for a shared secret, which is never published. */
export function publishedJwk(record: SigningKeyRecord): PublishedJwk | undefined {
  if (record.algorithm === "HS256") return undefined;
  const jwk = jwkOf(createPublicKey(createPrivateKey(record.secret)));
  return { ...jwk, kid: record.kid, alg: record.algorithm, use: "sig" };
}

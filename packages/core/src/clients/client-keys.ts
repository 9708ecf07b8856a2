// A client's public keys for private_key_jwt (RFC 7523 §2.2): the JWKS it registers, checked once,
// and each key pinned to the one asymmetric algorithm it verifies.
import type { JsonWebKey, KeyObject } from "node:crypto";
import { createPublicKey } from "node:crypto";
import { z } from "zod";
import { AuthError } from "../errors.ts";

/**
 * The JWS algorithms a client assertion may be signed with: asymmetric only, so no one who can
 * read a client's registered keys can sign for it (RFC 8725 §3.1; `none` and HS* never).
 */
export const clientAssertionAlgorithms = ["RS256", "PS256", "ES256", "ES384", "EdDSA"] as const;

/** One of {@link clientAssertionAlgorithms}. */
export type ClientAssertionAlgorithm = (typeof clientAssertionAlgorithms)[number];

/** The most keys one client may register (enough for a rotation, not a key dump). */
export const maxClientKeys = 8;

/** Members that only a private (or symmetric) JWK has (RFC 7518 §6.2.2, §6.3.2, §6.4.1). */
const privateMembers = ["d", "p", "q", "dp", "dq", "qi", "oth", "k"] as const;

const base64url = z.string().regex(/^[A-Za-z0-9_-]+$/);

const jwkSchema = z
  .object({
    kty: z.enum(["RSA", "EC", "OKP"]),
    kid: z.string().regex(/^[\x21-\x7e]{1,128}$/, "kid must be 1 to 128 visible ASCII characters"),
    use: z.literal("sig").optional(),
    alg: z.enum(clientAssertionAlgorithms).optional(),
    crv: z.enum(["P-256", "P-384", "Ed25519"]).optional(),
    x: base64url.optional(),
    y: base64url.optional(),
    n: base64url.optional(),
    e: base64url.optional(),
  })
  .loose();

const jwksSchema = z.object({ keys: z.array(jwkSchema).min(1).max(maxClientKeys) }).strict();

/**
 * A client's registered public keys (RFC 7517 §5: a JWK Set) as stored: what
 * {@link checkClientJwks} accepted, read back by shape only (the keys were checked when
 * registered, and are imported on use).
 */
export const storedClientJwksSchema = z.object({
  keys: z.array(
    z.object({
      kty: z.enum(["RSA", "EC", "OKP"]),
      kid: z.string(),
      alg: z.enum(clientAssertionAlgorithms),
      crv: z.string().optional(),
      x: z.string().optional(),
      y: z.string().optional(),
      n: z.string().optional(),
      e: z.string().optional(),
    }),
  ),
});

/** A client's registered public keys: only the public members of each JWK, and its algorithm. */
export type ClientJwks = z.infer<typeof storedClientJwksSchema>;

/** One public key of a client. */
export type ClientJwk = ClientJwks["keys"][number];

const bad = (message: string): AuthError => new AuthError("invalid_request", message);

/** The algorithm a key is pinned to: its own `alg`, or the one its type and curve imply. */
function pinnedAlgorithm(jwk: z.infer<typeof jwkSchema>): ClientAssertionAlgorithm {
  const implied: ClientAssertionAlgorithm | undefined =
    jwk.kty === "RSA"
      ? "RS256"
      : jwk.kty === "OKP"
        ? jwk.crv === "Ed25519"
          ? "EdDSA"
          : undefined
        : jwk.crv === "P-256"
          ? "ES256"
          : jwk.crv === "P-384"
            ? "ES384"
            : undefined;
  if (implied === undefined) throw bad(`key ${jwk.kid} has an unsupported curve`);
  const alg = jwk.alg ?? implied;
  // An RSA key signs RS256 or PS256; an EC or OKP key only the one its curve implies.
  const fits = jwk.kty === "RSA" ? alg === "RS256" || alg === "PS256" : alg === implied;
  if (!fits) throw bad(`key ${jwk.kid}'s alg does not fit its type`);
  return alg;
}

/** Imports the public key `jwk` names with node:crypto; the JWK's own checks (size, curve point). */
export function importClientKey(jwk: ClientJwk): KeyObject {
  const { alg: _alg, kid: _kid, ...members } = jwk;
  return createPublicKey({ key: members as JsonWebKey, format: "jwk" });
}

/**
 * Checks a JWK Set a client registers for private_key_jwt and keeps only what verifying needs:
 * 1 to {@link maxClientKeys} public RSA (2048 bits or more), EC (P-256, P-384) or OKP (Ed25519)
 * keys, each with a distinct `kid`, `use` absent or `sig`, each pinned to one algorithm of
 * {@link clientAssertionAlgorithms}. A private or symmetric key is refused, so a secret pasted
 * by mistake is never stored.
 * @throws {AuthError} invalid_request naming the rule broken (never echoing key material)
 */
export function checkClientJwks(value: unknown): ClientJwks {
  const parsed = jwksSchema.safeParse(value);
  if (!parsed.success) {
    if (hasPrivateMember(value)) throw bad("the key set holds a private or symmetric key");
    throw bad(
      `the key set must be {"keys": [...]} of 1 to ${maxClientKeys} public RSA, EC or OKP keys with a kid`,
    );
  }
  const kids = new Set<string>();
  const keys = parsed.data.keys.map((jwk): ClientJwk => {
    if (privateMembers.some((member) => member in jwk)) {
      throw bad(`key ${jwk.kid} is a private key; register only the public half`);
    }
    if (kids.has(jwk.kid)) throw bad(`two keys share the kid ${jwk.kid}`);
    kids.add(jwk.kid);
    const alg = pinnedAlgorithm(jwk);
    const key: ClientJwk = {
      kty: jwk.kty,
      kid: jwk.kid,
      alg,
      ...(jwk.crv === undefined ? {} : { crv: jwk.crv }),
      ...(jwk.x === undefined ? {} : { x: jwk.x }),
      ...(jwk.y === undefined ? {} : { y: jwk.y }),
      ...(jwk.n === undefined ? {} : { n: jwk.n }),
      ...(jwk.e === undefined ? {} : { e: jwk.e }),
    };
    let imported: KeyObject;
    try {
      imported = importClientKey(key);
    } catch {
      throw bad(`key ${jwk.kid} is not a valid public key`);
    }
    const bits = imported.asymmetricKeyDetails?.modulusLength;
    if (jwk.kty === "RSA" && (bits === undefined || bits < 2048)) {
      throw bad(`key ${jwk.kid} is shorter than 2048 bits`);
    }
    return key;
  });
  return { keys };
}

function hasPrivateMember(value: unknown): boolean {
  if (typeof value !== "object" || value === null || !("keys" in value)) return false;
  const { keys } = value;
  return (
    Array.isArray(keys) &&
    keys.some(
      (key: unknown) =>
        typeof key === "object" && key !== null && privateMembers.some((member) => member in key),
    )
  );
}

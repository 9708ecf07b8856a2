// private_key_jwt (RFC 7523 §2.2, §3; RFC 7521 §4.2): a client proves itself with a short-lived
// JWT signed by one of its registered keys, each assertion accepted once.
import { createVerifier } from "fast-jwt";
import type { Clock } from "../clock.ts";
import { AuthError } from "../errors.ts";
import { peekHeader } from "../keys/token-keys.ts";
import type { ClientRecord, ClientStore } from "./client.ts";
import { importClientKey } from "./client-keys.ts";

/** RFC 7523 §2.2: the `client_assertion_type` of a JWT client assertion. */
export const JWT_BEARER_ASSERTION_TYPE = "urn:ietf:params:oauth:client-assertion-type:jwt-bearer";

/** The longest an assertion may still live when presented: five minutes (RFC 7523 §3 item 4). */
export const maxAssertionLifetimeSeconds = 300;

/** How far an assertion's `iat` or `nbf` may lie in the future: clocks differ by seconds. */
const clockSkewSeconds = 60;

/** The longest `jti` remembered; a longer one is refused rather than stored. */
const maxAssertionIdLength = 256;

/** How private_key_jwt is checked: the audiences it must name and where used ids are kept. */
export interface ClientAssertionPolicy {
  /**
   * RFC 7523 §3 item 3: `aud` must name the authorization server — its issuer identifier or
   * its token endpoint URL.
   */
  readonly audiences: readonly string[];
  /** Remembers each assertion's `jti` until the assertion expires (RFC 7523 §3 item 7). */
  readonly assertionIds: Pick<ClientStore, "useClientAssertionId">;
}

const failed = (message: string): AuthError => new AuthError("invalid_client", message);

/**
 * The `sub` of an assertion, read before verifying — only to find the client whose keys will
 * verify it; trusted for nothing. `undefined` when the payload is not a JSON object with a
 * string `sub`.
 */
export function peekAssertionSubject(assertion: string): string | undefined {
  const parts = assertion.split(".");
  if (parts.length !== 3) return undefined;
  let payload: unknown;
  try {
    payload = JSON.parse(Buffer.from(parts[1] ?? "", "base64url").toString());
  } catch {
    return undefined;
  }
  if (typeof payload !== "object" || payload === null || !("sub" in payload)) return undefined;
  return typeof payload.sub === "string" ? payload.sub : undefined;
}

/**
 * Verifies `assertion` as `client`'s proof of identity: signed by the registered key its `kid`
 * names, with that key's one pinned asymmetric algorithm (`alg` `none` or `HS256`, whatever key
 * bytes it was made with, never meets a matching verifier); `iss` and `sub` both the client's
 * id; `aud` naming one of `policy.audiences`; `exp` present, in the future and at most
 * {@link maxAssertionLifetimeSeconds} ahead; `iat` and `nbf`, when present, not in the future
 * beyond a minute's skew; a `jti` never used before by this client (it is remembered until the
 * assertion's `exp`, so a replay is refused on every instance sharing the store).
 * @throws {AuthError} invalid_client for any failure, the reason only in the message
 */
export async function verifyClientAssertion(
  deps: { readonly clock: Clock; readonly policy: ClientAssertionPolicy },
  client: ClientRecord,
  assertion: string,
): Promise<void> {
  const kid = peekHeader(assertion)?.kid;
  const key = client.jwks?.keys.find((candidate) => candidate.kid === kid);
  if (key === undefined) throw failed("the assertion names no key of the client");
  const now = deps.clock.now();
  let payload: Record<string, unknown>;
  try {
    const verify = createVerifier({
      key: importClientKey(key).export({ format: "pem", type: "spki" }).toString(),
      algorithms: [key.alg],
      allowedIss: client.clientId,
      allowedSub: client.clientId,
      allowedAud: [...deps.policy.audiences],
      requiredClaims: ["iss", "sub", "aud", "exp", "jti"],
      clockTimestamp: now,
      clockTolerance: 0,
    });
    payload = verify(assertion);
  } catch (error) {
    throw new AuthError("invalid_client", "the client assertion did not verify", { cause: error });
  }
  const nowSeconds = now / 1000;
  const { exp, iat, nbf, jti } = payload;
  // RFC 7519 §4.1.4: the current time must be before `exp` (fast-jwt also accepts it equal).
  if (typeof exp !== "number" || exp <= nowSeconds) throw failed("the assertion expired");
  if (exp > nowSeconds + maxAssertionLifetimeSeconds) {
    throw failed("the assertion lives longer than allowed");
  }
  for (const time of [iat, nbf]) {
    if (time !== undefined && (typeof time !== "number" || time > nowSeconds + clockSkewSeconds)) {
      throw failed("the assertion is dated in the future");
    }
  }
  if (typeof jti !== "string" || jti.length === 0 || jti.length > maxAssertionIdLength) {
    throw failed("the assertion has no usable jti");
  }
  const fresh = await deps.policy.assertionIds.useClientAssertionId(
    client.clientId,
    jti,
    exp * 1000,
    now,
  );
  if (!fresh) throw failed("the assertion was used before");
}

// The token endpoint's successful answer (RFC 6749 §5.1); failures take the error table's.
import { formatScopes } from "../scopes.ts";
import type { IssuedAccessToken } from "../tokens/tokens.ts";

/** The JSON body of a successful token response (RFC 6749 §5.1). */
export interface TokenResponseBody {
  readonly access_token: string;
  readonly token_type: "bearer";
  readonly expires_in: number;
  /** The granted scopes, space-separated; always sent, since they may differ from those asked. */
  readonly scope: string;
  readonly refresh_token?: string;
  /** A device proof to send back as `device_proof` at this device's next logins. */
  readonly device_proof?: string;
}

/** A ready HTTP answer carrying tokens. */
export interface TokenAnswer {
  readonly status: 200;
  readonly body: TokenResponseBody;
  readonly headers: Readonly<Record<string, string>>;
}

// RFC 6749 §5.1: responses carrying tokens must not be cached.
const noStore = Object.freeze({ "Cache-Control": "no-store", Pragma: "no-cache" });

/**
 * The HTTP answer for issued tokens: 200, the RFC 6749 §5.1 body, no caching. A failed token
 * request is answered by `errorAnswerFor(error, "token")` from the error table.
 * @example
 * const outcome = await endpoint.handle(request, facts);
 * const answer = outcome.ok ? tokenAnswer(outcome.tokens) : errorAnswerFor(outcome.error, "token");
 * reply.status(answer.status).headers(answer.headers).send(answer.body);
 */
export function tokenAnswer(
  issued: IssuedAccessToken & {
    readonly refreshToken?: string | undefined;
    readonly deviceProof?: string | undefined;
  },
): TokenAnswer {
  return {
    status: 200,
    body: {
      access_token: issued.token,
      token_type: "bearer",
      expires_in: issued.expiresIn,
      scope: formatScopes(issued.scopes),
      ...(issued.refreshToken === undefined ? {} : { refresh_token: issued.refreshToken }),
      ...(issued.deviceProof === undefined ? {} : { device_proof: issued.deviceProof }),
    },
    headers: noStore,
  };
}

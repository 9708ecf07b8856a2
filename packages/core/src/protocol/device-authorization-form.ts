// Reading the device authorization request's form (RFC 8628 §3.1) and writing its answer (§3.2).
import type {
  DeviceAuthorizationRequest,
  StartedDeviceAuthorization,
} from "../device/device-authorization.ts";

/** The outcome of reading a device authorization form. */
export type DeviceAuthorizationForm =
  | { readonly kind: "request"; readonly request: DeviceAuthorizationRequest }
  /** Not a URL-encoded form, a parameter sent twice, or a `client_id` no client can have. */
  | { readonly kind: "invalid" };

// RFC 6749 Appendix A.1: client_id is VSCHAR; spaces are refused too, as at /token.
const clientIdPattern = /^[\x21-\x7e]{1,128}$/;

/**
 * Reads a device authorization request body: `client_id`, `client_secret` (or HTTP Basic, read
 * by the caller) and `scope`. Empty values count as absent, as at `/token`.
 */
export function parseDeviceAuthorizationForm(
  body: string,
  contentType: string | undefined,
): DeviceAuthorizationForm {
  if (contentType?.split(";")[0]?.trim().toLowerCase() !== "application/x-www-form-urlencoded") {
    return { kind: "invalid" };
  }
  const params = new URLSearchParams(body);
  const names = [...params.keys()];
  // RFC 6749 §3.2, which RFC 8628 §3.1 builds on: no parameter may be sent twice.
  if (new Set(names).size !== names.length) return { kind: "invalid" };
  const read = (name: string): string | undefined => {
    const value = params.get(name);
    return value === null || value === "" ? undefined : value;
  };
  const clientId = read("client_id");
  if (clientId !== undefined && !clientIdPattern.test(clientId)) return { kind: "invalid" };
  return {
    kind: "request",
    request: { clientId, clientSecret: read("client_secret"), scope: read("scope") },
  };
}

/** The JSON body of a device authorization response (RFC 8628 §3.2). */
export interface DeviceAuthorizationResponseBody {
  readonly device_code: string;
  readonly user_code: string;
  readonly verification_uri: string;
  readonly verification_uri_complete: string;
  readonly expires_in: number;
  readonly interval: number;
}

/**
 * The answer for a started device authorization; `verificationUri` is the `/device` page's
 * absolute URL, and the complete URI carries the user code so a QR code can skip typing it.
 */
export function deviceAuthorizationBody(
  started: StartedDeviceAuthorization,
  verificationUri: string,
): DeviceAuthorizationResponseBody {
  const complete = new URL(verificationUri);
  complete.searchParams.set("user_code", started.userCode);
  return {
    device_code: started.deviceCode,
    user_code: started.userCode,
    verification_uri: verificationUri,
    verification_uri_complete: complete.href,
    expires_in: started.expiresIn,
    interval: started.interval,
  };
}

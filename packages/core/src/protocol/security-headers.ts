// The security headers every response carries.

// The docs pages load only same-origin scripts; ReDoc injects styles and runs a blob: worker.
const contentSecurityPolicy = [
  "default-src 'self'",
  "script-src 'self'",
  "style-src 'self' 'unsafe-inline'",
  "img-src 'self' data:",
  "font-src 'self' data:",
  "worker-src 'self' blob:",
  "connect-src 'self'",
  "frame-ancestors 'none'",
  "base-uri 'none'",
  "form-action 'self'",
].join("; ");

/**
 * The headers, by name. Responses are `Cache-Control: no-store` unless a route sets its own (the
 * docs assets): tokens, user data and errors about them must not sit in a shared cache
 * (RFC 6749 §5.1, RFC 9111 §5.2.2.5).
 */
export const securityHeaders: ReadonlyMap<string, string> = new Map([
  ["X-Content-Type-Options", "nosniff"],
  ["Referrer-Policy", "no-referrer"],
  ["X-Frame-Options", "DENY"],
  ["Content-Security-Policy", contentSecurityPolicy],
  ["Cross-Origin-Opener-Policy", "same-origin"],
  ["Cache-Control", "no-store"],
]);

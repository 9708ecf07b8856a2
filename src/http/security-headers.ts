import type { MiddlewareHandler } from "hono";

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
 * Adds the security headers every response carries. They are set before the handler runs, so they
 * join its response as it is made instead of forcing a copy of a finished one. Responses are
 * `Cache-Control: no-store` unless a route sets its own (the docs assets): tokens, user data and
 * errors about them must not sit in a shared cache (RFC 6749 §5.1, RFC 9111 §5.2.2.5).
 */
export function securityHeaders(): MiddlewareHandler {
  return async (c, next) => {
    c.header("X-Content-Type-Options", "nosniff");
    c.header("Referrer-Policy", "no-referrer");
    c.header("X-Frame-Options", "DENY");
    c.header("Content-Security-Policy", contentSecurityPolicy);
    c.header("Cross-Origin-Opener-Policy", "same-origin");
    c.header("Cache-Control", "no-store");
    await next();
  };
}

// Matching a presented redirect_uri against a client's registered ones (RFC 6749 §3.1.2,
// OAuth 2.1 §2.3.1: exact string match; RFC 8252 §7.3: any port on a loopback IP literal).

const loopbackHosts = new Set(["127.0.0.1", "[::1]"]);

/**
 * The registered URI `presented` matches, or `undefined`. Matching is by exact string; the one
 * exception is a registered `http://127.0.0.1…` or `http://[::1]…` URI, which matches the same
 * URI with any port (a native app listens on whatever port the system gives it). `localhost` is
 * not a loopback literal here (RFC 8252 §8.3), and nothing else — path, query, case — may differ.
 */
export function matchRedirectUri(
  registered: readonly string[],
  presented: string,
): string | undefined {
  if (registered.includes(presented)) return presented;
  let asked: URL;
  try {
    asked = new URL(presented);
  } catch {
    return undefined;
  }
  if (asked.protocol !== "http:" || !loopbackHosts.has(asked.hostname)) return undefined;
  for (const uri of registered) {
    let candidate: URL;
    try {
      candidate = new URL(uri);
    } catch {
      continue;
    }
    if (candidate.protocol !== "http:" || !loopbackHosts.has(candidate.hostname)) continue;
    candidate.port = asked.port;
    // The registered URI with the presented port must spell the presented one exactly.
    if (candidate.href === presented) return presented;
  }
  return undefined;
}

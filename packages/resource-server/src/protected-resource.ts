// RFC 9728 protected-resource metadata for the service a guard protects: the document, where it
// is served, and the URL the guard's challenges point clients to.

/** The metadata document (RFC 9728 §2), as served at {@link ProtectedResource.metadataPath}. */
export interface ProtectedResourceMetadata {
  /** The resource identifier: the URL clients know this service by. */
  readonly resource: string;
  /** Issuers of the authorization servers whose tokens this resource accepts (RFC 8414). */
  readonly authorization_servers: readonly string[];
  /** Only the `Authorization` header: the guard never reads a token from a query or body. */
  readonly bearer_methods_supported: readonly ["header"];
  readonly scopes_supported?: readonly string[];
  readonly resource_name?: string;
  readonly resource_documentation?: string;
}

/** What describes a protected resource. */
export interface ProtectedResourceOptions {
  /**
   * The resource identifier (RFC 9728 §1.2): an `https` URL without query or fragment — `http`
   * only for a loopback host, in development. Its path, if any, also names where the metadata is
   * served (§3.1).
   */
  readonly resource: string;
  /** The Gatehouse issuers whose tokens the resource accepts, as their `iss`. */
  readonly authorizationServers: readonly string[];
  /** The scopes the resource's routes require, so clients can ask for them. */
  readonly scopesSupported?: readonly string[];
  /** A human name for the resource. */
  readonly resourceName?: string;
  /** Where developers read about the resource. */
  readonly resourceDocumentation?: string;
}

/** A resource's metadata and where it lives. */
export interface ProtectedResource {
  readonly metadata: ProtectedResourceMetadata;
  /** The path to serve the metadata at: `/.well-known/oauth-protected-resource` + the resource's path. */
  readonly metadataPath: string;
  /** The absolute metadata URL, for the `resource_metadata` parameter of challenges (§5.1). */
  readonly metadataUrl: string;
}

/** RFC 9728 §3: the well-known path segment. */
const wellKnownPath = "/.well-known/oauth-protected-resource";

const loopbackHosts = new Set(["localhost", "127.0.0.1", "[::1]"]);

function resourceUrl(value: string, name: string, httpAnywhere: boolean): URL {
  let url: URL;
  try {
    url = new URL(value);
  } catch {
    throw new TypeError(`${name} must be an absolute URL`);
  }
  const secure =
    url.protocol === "https:" ||
    (url.protocol === "http:" && (httpAnywhere || loopbackHosts.has(url.hostname)));
  if (!secure) throw new TypeError(`${name} must be an https URL (http only on a loopback host)`);
  // RFC 9728 §1.2: no fragment; a query is discouraged and would not survive §3.1's derivation.
  if (url.hash !== "" || url.search !== "" || value.includes("#") || value.includes("?")) {
    throw new TypeError(`${name} must have no query or fragment`);
  }
  if (url.username !== "" || url.password !== "") {
    throw new TypeError(`${name} must hold no credentials`);
  }
  return url;
}

/**
 * Describes the resource a guard protects (RFC 9728). The metadata lists the authorization
 * servers, the scopes and the one bearer method, the `Authorization` header. The metadata path
 * inserts the well-known segment before the resource's path (§3.1): the resource
 * `https://api.example.com/billing` is described at
 * `https://api.example.com/.well-known/oauth-protected-resource/billing`.
 * @throws {TypeError} for a resource that is not an https URL (or http on a loopback host), has a
 * query, fragment or credentials; without an authorization server, or one that is not an http(s)
 * URL without query, fragment or credentials
 * @example
 * const resource = createProtectedResource({
 *   resource: "https://api.example.com",
 *   authorizationServers: ["https://auth.example.com"],
 *   scopesSupported: ["items"],
 * });
 * app.get(resource.metadataPath, serveProtectedResourceMetadata(resource)); // Hono
 * app.get("/items", requireGatehouseToken(verifier, ["items"], { resourceMetadataUrl: resource.metadataUrl }), handler);
 */
export function createProtectedResource(options: ProtectedResourceOptions): ProtectedResource {
  const url = resourceUrl(options.resource, "resource", false);
  if (options.authorizationServers.length === 0) {
    throw new TypeError("name at least one authorization server");
  }
  // An issuer is written as Gatehouse is configured (GATEHOUSE_ISSUER), http in development.
  for (const server of options.authorizationServers) resourceUrl(server, "issuer", true);
  const path = url.pathname === "/" ? "" : url.pathname.replace(/\/$/, "");
  const metadataPath = `${wellKnownPath}${path}`;
  const metadata: ProtectedResourceMetadata = {
    // §3.3: the client checks this equals the identifier it derived the URL from, so it is
    // written back exactly as configured.
    resource: options.resource,
    authorization_servers: [...options.authorizationServers],
    bearer_methods_supported: ["header"],
    ...(options.scopesSupported === undefined
      ? {}
      : { scopes_supported: [...options.scopesSupported] }),
    ...(options.resourceName === undefined ? {} : { resource_name: options.resourceName }),
    ...(options.resourceDocumentation === undefined
      ? {}
      : { resource_documentation: options.resourceDocumentation }),
  };
  return Object.freeze({
    metadata: Object.freeze(metadata),
    metadataPath,
    metadataUrl: `${url.origin}${metadataPath}`,
  });
}

/** The headers the metadata is served with: JSON, cacheable, readable from any origin. */
export const protectedResourceMetadataHeaders: Readonly<Record<string, string>> = Object.freeze({
  "Cache-Control": "public, max-age=300",
  // Public facts that browser-based clients fetch from another origin (RFC 9728 §3).
  "Access-Control-Allow-Origin": "*",
});

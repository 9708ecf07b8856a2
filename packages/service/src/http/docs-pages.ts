// /docs (Swagger UI) and /redoc (ReDoc), served from local files — never from a CDN.
import { readFileSync } from "node:fs";
import { fileURLToPath } from "node:url";
import type { OpenApiApp } from "./openapi.ts";

// `#docs-assets/…` (package.json `imports`) is the bundles copied into dist/ by the build, or, with
// the sources, the same files in the pinned `swagger-ui-dist` and `redoc` dev dependencies.
const swaggerFile = (name: string): string =>
  fileURLToPath(import.meta.resolve(`#docs-assets/swagger-ui/${name}`));
const redocBundle = fileURLToPath(import.meta.resolve("#docs-assets/redoc/redoc.standalone.js"));

interface Asset {
  readonly body: Buffer;
  readonly type: string;
}

// Read once at startup: these files never change while the process runs.
function asset(path: string, type: string): Asset {
  return { body: readFileSync(path), type };
}

// ReDoc's side menu shows a logo fetched from Redocly's CDN, with no option to turn it off; the
// page must not reach any other host, so the bundle gets an empty inline image in its place.
const cdnLogo = "https://cdn.redoc.ly/redoc/logo-mini.svg";
const blankImage = "data:image/svg+xml,%3Csvg xmlns='http://www.w3.org/2000/svg'/%3E";

function withoutCdnLogo(bundle: string): string {
  return bundle.replaceAll(cdnLogo, blankImage);
}

const page = (title: string, head: string, body: string): string =>
  `<!doctype html>
<html lang="en">
<head>
<meta charset="utf-8">
<meta name="viewport" content="width=device-width, initial-scale=1">
<title>${title}</title>
${head}
</head>
<body>
${body}
</body>
</html>
`;

// Swagger UI's settings live in a file of their own, so the page needs no inline script (CSP).
// With a docs client, the Authorize dialog's code flow uses it and sends a PKCE S256 challenge.
const swaggerInit = (
  clientId: string | undefined,
): string => `window.addEventListener("load", function () {
  window.ui = SwaggerUIBundle({
    url: "/openapi.json",
    dom_id: "#swagger-ui",
    layout: "BaseLayout",
    deepLinking: true,
    showExtensions: true,
    showCommonExtensions: true,
    oauth2RedirectUrl: window.location.origin + "/docs/oauth2-redirect",
    presets: [SwaggerUIBundle.presets.apis, SwaggerUIBundle.SwaggerUIStandalonePreset],
  });${
    clientId === undefined
      ? ""
      : `
  window.ui.initOAuth({ clientId: ${JSON.stringify(clientId)}, usePkceWithAuthorizationCodeGrant: true });`
  }
});
`;

const redocInit = `Redoc.init("/openapi.json", {}, document.getElementById("redoc"));
`;

/**
 * Mounts the interactive docs pages and their assets; with `clientId`, Swagger UI's code flow
 * uses that registered client, with PKCE.
 */
export function mountDocsPages(
  app: OpenApiApp,
  options: { readonly clientId?: string } = {},
): void {
  const assets: Record<string, Asset> = {
    "/docs/swagger-ui.css": asset(swaggerFile("swagger-ui.css"), "text/css"),
    "/docs/swagger-ui-bundle.js": asset(swaggerFile("swagger-ui-bundle.js"), "text/javascript"),
    "/docs/oauth2-redirect.js": asset(swaggerFile("oauth2-redirect.js"), "text/javascript"),
    "/docs/favicon-32x32.png": asset(swaggerFile("favicon-32x32.png"), "image/png"),
    "/docs/swagger-init.js": {
      body: Buffer.from(swaggerInit(options.clientId)),
      type: "text/javascript",
    },
    "/redoc/redoc.standalone.js": {
      body: Buffer.from(withoutCdnLogo(readFileSync(redocBundle, "utf8"))),
      type: "text/javascript",
    },
    "/redoc/redoc-init.js": { body: Buffer.from(redocInit), type: "text/javascript" },
  };
  for (const [path, { body, type }] of Object.entries(assets)) {
    app.get(path, (c) =>
      c.body(new Uint8Array(body), 200, {
        "Content-Type": type,
        "Cache-Control": "public, max-age=86400",
      }),
    );
  }
  app.get("/docs", (c) =>
    c.html(
      page(
        "Gatehouse - Swagger UI",
        '<link rel="stylesheet" href="/docs/swagger-ui.css">\n<link rel="icon" href="/docs/favicon-32x32.png">',
        '<div id="swagger-ui"></div>\n<script src="/docs/swagger-ui-bundle.js"></script>\n<script src="/docs/swagger-init.js"></script>',
      ),
    ),
  );
  app.get("/docs/oauth2-redirect", (c) =>
    c.html(
      page("Gatehouse - OAuth2 redirect", "", '<script src="/docs/oauth2-redirect.js"></script>'),
    ),
  );
  app.get("/redoc", (c) =>
    c.html(
      page(
        "Gatehouse - ReDoc",
        '<link rel="icon" href="/docs/favicon-32x32.png">',
        '<div id="redoc"></div>\n<script src="/redoc/redoc.standalone.js"></script>\n<script src="/redoc/redoc-init.js"></script>',
      ),
    ),
  );
}

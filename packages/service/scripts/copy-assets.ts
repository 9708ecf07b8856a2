// Copies what `tsc` does not emit into dist/: the SQL migrations next to the compiled adapters, and
// the docs pages' browser bundles with their licence files. The bundles come from the pinned
// `swagger-ui-dist` and `redoc` dev dependencies, so an installed service serves /docs and /redoc
// without installing ReDoc's React tree, which its prebuilt standalone bundle already contains.
import { cpSync, mkdirSync } from "node:fs";
import { dirname, join } from "node:path";
import { fileURLToPath } from "node:url";

for (const family of ["sqlite", "postgres"]) {
  cpSync(`src/storage/${family}/migrations`, `dist/storage/${family}/migrations`, {
    recursive: true,
  });
}

const docsAssets = {
  "swagger-ui": {
    from: "swagger-ui-dist",
    files: [
      "swagger-ui.css",
      "swagger-ui-bundle.js",
      "swagger-ui-bundle.js.LICENSE.txt",
      "oauth2-redirect.js",
      "favicon-32x32.png",
      "LICENSE",
      "NOTICE",
    ],
  },
  redoc: {
    from: "redoc",
    files: ["bundles/redoc.standalone.js", "bundles/redoc.standalone.js.LICENSE.txt", "LICENSE"],
  },
} as const;

for (const [name, { from, files }] of Object.entries(docsAssets)) {
  const packageDir = dirname(fileURLToPath(import.meta.resolve(`${from}/package.json`)));
  const target = join("dist", "docs-assets", name);
  mkdirSync(target, { recursive: true });
  for (const file of files) cpSync(join(packageDir, file), join(target, file.replace(/^.*\//, "")));
}

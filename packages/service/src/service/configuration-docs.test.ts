import assert from "node:assert/strict";
import { readFileSync } from "node:fs";
import { describe, it } from "node:test";
import { environmentSchema } from "./config.ts";
import { renderConfigurationDocs } from "./configuration-docs.ts";

const committedPage = new URL("../../../../docs/configuration.md", import.meta.url);

describe("the configuration page", () => {
  it("is committed exactly as the configuration schema renders it", () => {
    const committed = readFileSync(committedPage, "utf8");

    assert.ok(
      committed === renderConfigurationDocs(),
      "docs/configuration.md is stale: run `npm run docs:config` and commit the result",
    );
  });

  it("lists every variable of the schema", () => {
    const page = renderConfigurationDocs();

    for (const name of Object.keys(environmentSchema.shape)) {
      assert.match(page, new RegExp(`^\\| \`${name}\` +\\|`, "m"));
    }
  });

  it("takes defaults and ranges from the schema", () => {
    const page = renderConfigurationDocs();

    assert.match(page, /^\| `PORT` +\| `8000` +\| whole number, 0 to 65535 +\|/m);
    assert.match(
      page,
      /^\| `GATEHOUSE_LOG_LEVEL` +\| `info` +\| `debug`, `info`, `warn`, `error`, `silent` +\|/m,
    );
    assert.match(page, /^\| `GATEHOUSE_DEMO` +\| `false` +\| `true` or `false` /m);
  });
});

import assert from "node:assert/strict";
import { describe, it } from "node:test";
import { unsupportedNodeMessage } from "./node-version.ts";

describe("the Node.js version check", () => {
  it("accepts Node.js 24 and later", () => {
    assert.equal(unsupportedNodeMessage("24.0.0"), undefined);
    assert.equal(unsupportedNodeMessage("25.1.2"), undefined);
    assert.equal(unsupportedNodeMessage(process.versions.node), undefined);
  });

  it("names the release needed, this one, and the repository's own for anything older", () => {
    assert.equal(
      unsupportedNodeMessage("20.19.2"),
      "gatehouse needs Node.js 24 or later (this is 20.19.2); in the repository, npm start and npm run cli bring their own",
    );
  });

  it("refuses a version it cannot read", () => {
    assert.match(unsupportedNodeMessage("") ?? "", /needs Node\.js 24/);
  });
});

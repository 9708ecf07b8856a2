import assert from "node:assert/strict";
import { describe, it } from "node:test";
import { describeStartupFailure, StartupError } from "./startup-error.ts";

describe("describeStartupFailure", () => {
  it("is a start-up error's own message", () => {
    const error = new StartupError("port 1 on h is in use", { cause: new Error("x") });

    assert.equal(describeStartupFailure(error, { debug: false }), "port 1 on h is in use");
  });

  it("adds the original error's stack at the debug level", () => {
    const error = new StartupError("port 1 on h is in use", { cause: new Error("listen") });

    assert.match(
      describeStartupFailure(error, { debug: true }),
      /^port 1 on h is in use\nError: listen\n {4}at /,
    );
  });

  it("gives an unexpected error's first line and a hint to rerun at debug", () => {
    assert.equal(
      describeStartupFailure(new Error("boom\nmore"), { debug: false }),
      "unexpected error: boom (rerun with GATEHOUSE_LOG_LEVEL=debug for the stack)",
    );
    assert.equal(describeStartupFailure("a string", { debug: true }), "unexpected error: a string");
  });
});

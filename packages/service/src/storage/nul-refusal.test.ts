import assert from "node:assert/strict";
import { describe, it } from "node:test";
import { refuseNulCharacters } from "./nul-refusal.ts";

const invalidInput = { name: "AuthError", code: "invalid_input" } as const;

describe("refuseNulCharacters", () => {
  it("passes clean arguments through and keeps a synchronous answer synchronous", () => {
    const store = refuseNulCharacters({ users: { find: (name: string) => `found ${name}` } });

    assert.equal(store.users.find("alice"), "found alice");
  });

  it("answers a refusal through a rejected promise, naming the method and field but not the value", async () => {
    const store = refuseNulCharacters({
      users: { create: async (_user: { name: string; tags: string[] }) => "created" },
    });

    await assert.rejects(
      async () => store.users.create({ name: "ok", tags: ["a", "secret\u0000"] }),
      (error: Error) =>
        invalidInput.code === Reflect.get(error, "code") &&
        error.message.includes("users.create: argument 1.tags[1]") &&
        !error.message.includes("secret"),
    );
  });

  it("refuses a NUL in a key of a record", async () => {
    const store = refuseNulCharacters({ audit: { record: async (_details: object) => "ok" } });

    await assert.rejects(async () => store.audit.record({ "k\u0000": "v" }), invalidInput);
  });

  it("refuses a value nested deeper than any record a port takes, rather than walking it", async () => {
    let nested: unknown = "leaf";
    for (let depth = 0; depth < 10_000; depth++) nested = [nested];
    const store = refuseNulCharacters({ audit: { record: async (_value: unknown) => "ok" } });

    await assert.rejects(async () => store.audit.record(nested), invalidInput);
  });

  it("lets binary values through untouched", async () => {
    const store = refuseNulCharacters({ keys: { put: async (bytes: Uint8Array) => bytes.length } });

    assert.equal(await store.keys.put(new Uint8Array([0, 0, 0])), 3);
  });

  it("keeps members that are not ports, and an accessor reading the port as it is now", () => {
    let count = 0;
    const port = {
      get count(): number {
        return count;
      },
    };
    const close = async (): Promise<void> => {};
    const store = refuseNulCharacters({ port, close });
    count = 2;

    assert.equal(store.port.count, 2);
    assert.equal(store.close, close);
  });
});

import assert from "node:assert/strict";
import { describe, it } from "node:test";
import { createVerifiedTokenCache } from "./verified-token-cache.ts";

describe("createVerifiedTokenCache", () => {
  it("gives back what was stored for the exact token string, and nothing for another", () => {
    const cache = createVerifiedTokenCache<number>(2);

    cache.set("a.b.c", 1);

    assert.equal(cache.get("a.b.c"), 1);
    assert.equal(cache.get("a.b.C"), undefined);
  });

  it("makes room by dropping the oldest entry when full", () => {
    const cache = createVerifiedTokenCache<number>(2);

    cache.set("one", 1);
    cache.set("two", 2);
    cache.set("one", 10);
    cache.set("three", 3);

    assert.deepEqual(
      ["one", "two", "three"].map((token) => cache.get(token)),
      [undefined, 2, 3],
    );
  });

  it("remembers nothing at capacity 0", () => {
    const cache = createVerifiedTokenCache<number>(0);

    cache.set("one", 1);

    assert.equal(cache.get("one"), undefined);
  });

  it("refuses a negative or fractional capacity", () => {
    assert.throws(() => createVerifiedTokenCache(-1), RangeError);
    assert.throws(() => createVerifiedTokenCache(1.5), RangeError);
  });
});

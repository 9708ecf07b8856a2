import assert from "node:assert/strict";
import { describe, it } from "node:test";
import { createClientAddressResolver, isAddressOrRange } from "./client-address.ts";

// Resolves the client address of one request from `peer` carrying `forwardedFor`.
function resolve(
  trusted: readonly string[],
  peer: string | undefined,
  forwardedFor?: string,
): string | undefined {
  return createClientAddressResolver(trusted)(peer, forwardedFor);
}

describe("client address", () => {
  it("is the socket peer, ignoring X-Forwarded-For, when no proxy is trusted", () => {
    assert.equal(resolve([], "203.0.113.5", "198.51.100.1"), "203.0.113.5");
  });

  it("ignores a spoofed X-Forwarded-For from a peer that is not a trusted proxy", () => {
    assert.equal(resolve(["10.0.0.0/8"], "203.0.113.5", "198.51.100.1"), "203.0.113.5");
  });

  it("takes the right-most address not trusted when the peer is a trusted proxy", () => {
    const address = resolve(["10.0.0.1"], "10.0.0.1", "192.0.2.66, 198.51.100.1");

    assert.equal(address, "198.51.100.1");
  });

  it("skips every trusted hop, so a client cannot pick its address by prepending one", () => {
    const address = resolve(
      ["10.0.0.0/8"],
      "10.0.0.1",
      "1.2.3.4, 198.51.100.1, 10.1.2.3, 10.0.0.9",
    );

    assert.equal(address, "198.51.100.1");
  });

  it("takes the left-most hop when every hop is trusted", () => {
    assert.equal(resolve(["10.0.0.0/8"], "10.0.0.1", "10.0.0.3, 10.0.0.2"), "10.0.0.3");
  });

  it("stops at the last trusted hop when an entry is not an address", () => {
    const address = resolve(["10.0.0.0/8"], "10.0.0.1", "198.51.100.1, unknown, 10.0.0.2");

    assert.equal(address, "10.0.0.2");
  });

  it("is the trusted peer itself when it sent no X-Forwarded-For", () => {
    assert.equal(resolve(["10.0.0.1"], "10.0.0.1"), "10.0.0.1");
  });

  it("reads IPv4-mapped IPv6 peers, bracketed IPv6 and ports as plain addresses", () => {
    const address = resolve(
      ["127.0.0.1", "::1"],
      "::ffff:127.0.0.1",
      "[2001:DB8::1]:443, 203.0.113.9:8080, ::1",
    );

    assert.equal(address, "203.0.113.9");
    assert.equal(resolve(["::1"], "::1", "[2001:DB8::1]:443"), "2001:db8::1");
  });

  it("is unknown when the request has no socket", () => {
    assert.equal(resolve([], undefined, "198.51.100.1"), undefined);
  });

  it("refuses a trusted-proxy entry that is not an address or range", () => {
    assert.throws(() => createClientAddressResolver(["proxy.internal"]), TypeError);
  });
});

describe("trusted proxy entries", () => {
  it("accepts addresses and CIDR ranges of both families", () => {
    for (const entry of ["10.0.0.1", "10.0.0.0/8", "::1", "fd00::/8", "0.0.0.0/0"]) {
      assert.equal(isAddressOrRange(entry), true, entry);
    }
  });

  it("refuses names, bad prefixes and stray slashes", () => {
    for (const entry of [
      "proxy",
      "10.0.0.0/33",
      "::/129",
      "10.0.0.0/x",
      "10.0.0.0/8/1",
      " 10.0.0.1",
    ]) {
      assert.equal(isAddressOrRange(entry), false, entry);
    }
  });
});

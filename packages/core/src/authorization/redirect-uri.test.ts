import assert from "node:assert/strict";
import { describe, it } from "node:test";
import fc from "fast-check";
import { matchRedirectUri } from "./redirect-uri.ts";

const registered = [
  "https://app.example/callback",
  "http://127.0.0.1/cb",
  "http://[::1]:8080/cb?x=1",
  "com.example.app:/oauth",
];

describe("matchRedirectUri", () => {
  it("matches a registered URI exactly, including a private-use scheme", () => {
    assert.equal(
      matchRedirectUri(registered, "https://app.example/callback"),
      "https://app.example/callback",
    );
    assert.equal(matchRedirectUri(registered, "com.example.app:/oauth"), "com.example.app:/oauth");
  });

  it("refuses any other spelling of a registered URI", () => {
    for (const uri of [
      "https://app.example/callback/",
      "https://app.example/Callback",
      "https://APP.example/callback",
      "https://app.example/callback?x=1",
      "https://app.example/callback#x",
      "https://app.example:443/callback",
      "http://app.example/callback",
      "https://app.example.evil/callback",
      "https://user@app.example/callback",
    ]) {
      assert.equal(matchRedirectUri(registered, uri), undefined, uri);
    }
  });

  it("accepts any port on a registered loopback IP literal (RFC 8252 §7.3)", () => {
    assert.equal(
      matchRedirectUri(registered, "http://127.0.0.1:49152/cb"),
      "http://127.0.0.1:49152/cb",
    );
    assert.equal(matchRedirectUri(registered, "http://[::1]:1/cb?x=1"), "http://[::1]:1/cb?x=1");
    assert.equal(matchRedirectUri(registered, "http://[::1]/cb?x=1"), "http://[::1]/cb?x=1");
  });

  it("keeps everything but the port exact on loopback, and never extends to localhost or https", () => {
    for (const uri of [
      "http://127.0.0.1:49152/cb/",
      "http://127.0.0.1:49152/other",
      "http://127.0.0.1:49152/cb?y=2",
      "http://localhost:49152/cb",
      "https://127.0.0.1:49152/cb",
      "http://127.0.0.2:49152/cb",
      "http://[::1]:8080/cb",
    ]) {
      assert.equal(matchRedirectUri(registered, uri), undefined, uri);
    }
  });

  it("matches a loopback URI on every port, and never with anything appended", () => {
    fc.assert(
      fc.property(
        // Port 80 is http's default, which URLs spell without a port: only that spelling matches.
        fc.integer({ min: 1, max: 65535 }).filter((port) => port !== 80),
        fc.string({ minLength: 1, maxLength: 8 }),
        (port, tail) => {
          assert.equal(
            matchRedirectUri(registered, `http://127.0.0.1:${port}/cb`),
            `http://127.0.0.1:${port}/cb`,
          );
          assert.equal(
            matchRedirectUri(registered, `http://127.0.0.1:${port}/cb${tail}`),
            undefined,
          );
        },
      ),
    );
  });
});

import assert from "node:assert/strict";
import { describe, it } from "node:test";
import { readPresentedClient, usesBasicScheme } from "./client-credentials.ts";

const basic = (decoded: string): string => `Basic ${Buffer.from(decoded).toString("base64")}`;

const jwtBearer = "urn:ietf:params:oauth:client-assertion-type:jwt-bearer";

describe("readPresentedClient with a client assertion (RFC 7523 §2.2)", () => {
  const invalidRequest = { name: "AuthError", code: "invalid_request" };

  it("reads an assertion with its type, and the client_id when sent", () => {
    assert.deepEqual(
      readPresentedClient(undefined, { clientAssertionType: jwtBearer, clientAssertion: "a.b.c" }),
      { kind: "assertion", clientId: undefined, assertion: "a.b.c" },
    );
    assert.deepEqual(
      readPresentedClient(undefined, {
        clientId: "svc",
        clientAssertionType: jwtBearer,
        clientAssertion: "a.b.c",
      }),
      { kind: "assertion", clientId: "svc", assertion: "a.b.c" },
    );
  });

  it("refuses an assertion beside a client_secret or Basic credentials", () => {
    const form = { clientAssertionType: jwtBearer, clientAssertion: "a.b.c" };

    assert.throws(
      () => readPresentedClient(undefined, { ...form, clientId: "svc", clientSecret: "s" }),
      invalidRequest,
    );
    assert.throws(() => readPresentedClient(basic("svc:s"), form), invalidRequest);
  });

  it("refuses an assertion without its type, of another type, or a type alone", () => {
    assert.throws(
      () => readPresentedClient(undefined, { clientAssertion: "a.b.c" }),
      invalidRequest,
    );
    assert.throws(
      () =>
        readPresentedClient(undefined, {
          clientAssertionType: "urn:ietf:params:oauth:client-assertion-type:saml2-bearer",
          clientAssertion: "a.b.c",
        }),
      invalidRequest,
    );
    assert.throws(
      () => readPresentedClient(undefined, { clientAssertionType: jwtBearer }),
      invalidRequest,
    );
  });
});

describe("readPresentedClient", () => {
  it("reads Basic credentials, form-decoding id and secret (RFC 6749 §2.3.1)", () => {
    const presented = readPresentedClient(basic("my+app%3Aone:s%2Bcret%25+x"), {});

    assert.deepEqual(presented, {
      kind: "secret",
      method: "client_secret_basic",
      clientId: "my app:one",
      secret: "s+cret% x",
    });
  });

  it("splits at the first colon, so the secret may hold one", () => {
    const presented = readPresentedClient(basic("app:a:b"), {});

    assert.equal(presented.kind === "secret" && presented.secret, "a:b");
  });

  it("reads the scheme name case-insensitively", () => {
    const presented = readPresentedClient(`bAsIc ${btoa("app:pw")}`, {});

    assert.equal(presented.kind, "secret");
  });

  for (const [name, header] of [
    ["not base64", "Basic !!!"],
    ["empty", "Basic "],
    ["without a colon", basic("app")],
    ["with a bad %XX escape", basic("app:%zz")],
    ["with a control character", basic("app:a\u0001b")],
    ["not UTF-8", `Basic ${Buffer.from([0x61, 0x3a, 0xff]).toString("base64")}`],
    ["with an empty id", basic(":secret")],
  ] as const) {
    it(`refuses Basic credentials ${name} with invalid_client`, () => {
      assert.throws(() => readPresentedClient(header, {}), { code: "invalid_client" });
    });
  }

  it("reads Swagger UI's empty Basic header as no client", () => {
    assert.deepEqual(readPresentedClient(basic(":"), {}), { kind: "none" });
  });

  it("reads client_id and client_secret in the form as client_secret_post", () => {
    const presented = readPresentedClient(undefined, { clientId: "app", clientSecret: "pw" });

    assert.deepEqual(presented, {
      kind: "secret",
      method: "client_secret_post",
      clientId: "app",
      secret: "pw",
    });
  });

  it("reads a client_id alone as a public client naming itself", () => {
    assert.deepEqual(readPresentedClient(undefined, { clientId: "spa" }), {
      kind: "id",
      clientId: "spa",
    });
  });

  it("ignores a Bearer header: it is not client authentication", () => {
    assert.deepEqual(readPresentedClient("Bearer abc", {}), { kind: "none" });
  });

  it("refuses Basic and a form secret together with invalid_request (two methods)", () => {
    assert.throws(() => readPresentedClient(basic("app:pw"), { clientSecret: "pw" }), {
      code: "invalid_request",
    });
  });

  it("refuses a form client_id that differs from Basic's with invalid_request", () => {
    assert.throws(() => readPresentedClient(basic("app:pw"), { clientId: "other" }), {
      code: "invalid_request",
    });
  });

  it("accepts a form client_id equal to Basic's", () => {
    assert.equal(readPresentedClient(basic("app:pw"), { clientId: "app" }).kind, "secret");
  });

  it("refuses a client_secret without client_id with invalid_request", () => {
    assert.throws(() => readPresentedClient(undefined, { clientSecret: "pw" }), {
      code: "invalid_request",
    });
  });
});

describe("usesBasicScheme", () => {
  it("tells Basic from other schemes and from no header", () => {
    assert.equal(usesBasicScheme("basic xyz"), true);
    assert.equal(usesBasicScheme("Bearer xyz"), false);
    assert.equal(usesBasicScheme(undefined), false);
  });
});

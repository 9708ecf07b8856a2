// Property-based checks of the token endpoint's form parser: random bodies and content types.
import assert from "node:assert/strict";
import { describe, it } from "node:test";
import fc from "fast-check";
import { maxPasswordBytes } from "../passwords/hasher.ts";
import { parseTokenForm } from "./token-form.ts";

const formType = "application/x-www-form-urlencoded";
const contentType = fc.option(
  fc.oneof(
    fc.constantFrom(
      formType,
      `${formType}; charset=UTF-8`,
      "APPLICATION/X-WWW-FORM-URLENCODED",
      "application/json",
      "multipart/form-data; boundary=x",
      "text/plain",
      "",
    ),
    fc.string({ unit: "binary", maxLength: 60 }),
  ),
  { nil: undefined },
);
const strict = fc.boolean();

describe("parseTokenForm", () => {
  it("never throws, whatever the body and content type", () => {
    fc.assert(
      fc.property(
        fc.string({ unit: "binary", maxLength: 400 }),
        contentType,
        strict,
        (body, type, s) => {
          const result = parseTokenForm(body, type, { strictGrantType: s });
          assert.ok(["request", "unsupported", "invalid", "duplicate"].includes(result.kind));
        },
      ),
    );
  });

  it("detects any parameter sent twice and names it", () => {
    const names = fc.uniqueArray(fc.string({ maxLength: 12 }), { minLength: 1, maxLength: 6 });
    fc.assert(
      fc.property(names, fc.nat(), fc.string(), (unique, pick, value) => {
        const params = new URLSearchParams(unique.map((n): [string, string] => [n, "v"]));
        const repeated = unique[pick % unique.length] ?? "";
        params.append(repeated, value);

        assert.deepEqual(parseTokenForm(params.toString(), formType, { strictGrantType: false }), {
          kind: "duplicate",
          name: repeated,
        });
      }),
    );
  });

  it("reads back any username, acceptable password and scope as they were encoded", () => {
    const password = fc
      .string({ unit: "grapheme", minLength: 1, maxLength: 40 })
      .filter((p) => !p.includes("\u0000") && Buffer.byteLength(p) <= maxPasswordBytes);
    fc.assert(
      fc.property(fc.string({ minLength: 1 }), password, fc.string(), (username, pass, scope) => {
        const body = new URLSearchParams({ username, password: pass, scope }).toString();

        assert.deepEqual(parseTokenForm(body, formType, { strictGrantType: false }), {
          kind: "request",
          request: {
            grantType: "password",
            username,
            password: pass,
            scope: scope === "" ? undefined : scope,
            clientId: undefined,
          },
        });
      }),
    );
  });

  it("decides the grant from grant_type alone: password, refresh_token or unsupported", () => {
    const other = fc
      .string({ minLength: 1, maxLength: 20 })
      .filter((name) => !["password", "refresh_token", "client_credentials"].includes(name));
    fc.assert(
      fc.property(other, strict, (grantType, s) => {
        const body = (fields: Record<string, string>) =>
          new URLSearchParams({ username: "a", password: "b", ...fields }).toString();

        assert.equal(
          parseTokenForm(body({ grant_type: grantType }), formType, { strictGrantType: s }).kind,
          "unsupported",
        );
        assert.deepEqual(
          parseTokenForm(body({ grant_type: "password" }), formType, { strictGrantType: s }),
          {
            kind: "request",
            request: {
              grantType: "password",
              username: "a",
              password: "b",
              scope: undefined,
              clientId: undefined,
            },
          },
        );
        assert.deepEqual(
          parseTokenForm(body({ grant_type: "refresh_token", refresh_token: "r" }), formType, {
            strictGrantType: s,
          }),
          {
            kind: "request",
            request: { grantType: "refresh_token", refreshToken: "r", scope: undefined },
          },
        );
      }),
    );
  });

  it("never yields a form from a body that is not declared URL-encoded", () => {
    const other = fc
      .string({ unit: "binary", maxLength: 60 })
      .filter((t) => t.split(";")[0]?.trim().toLowerCase() !== formType);
    fc.assert(
      fc.property(other, (type) => {
        const result = parseTokenForm("username=johndoe&password=secret", type, {
          strictGrantType: false,
        });
        assert.equal(result.kind, "invalid");
      }),
    );
  });

  it("never yields a form whose password is over the limit or holds a NUL", () => {
    const bad = fc.oneof(
      fc.string({ minLength: maxPasswordBytes + 1, maxLength: maxPasswordBytes + 50 }),
      fc.tuple(fc.string(), fc.string()).map(([a, b]) => `${a}\u0000${b}`),
    );
    fc.assert(
      fc.property(bad, (password) => {
        const body = new URLSearchParams({ username: "johndoe", password }).toString();
        assert.equal(parseTokenForm(body, formType, { strictGrantType: false }).kind, "invalid");
      }),
      { numRuns: 50 },
    );
  });

  it("demands grant_type only when strict", () => {
    fc.assert(
      fc.property(strict, (s) => {
        const result = parseTokenForm("username=a&password=b", formType, { strictGrantType: s });
        assert.equal(result.kind, s ? "invalid" : "request");
      }),
    );
  });

  it("passes a device proof of up to 128 characters on and drops a longer one", () => {
    fc.assert(
      fc.property(fc.string({ minLength: 1, maxLength: 300 }), (proof) => {
        const body = new URLSearchParams({ username: "a", password: "b", device_proof: proof });
        const result = parseTokenForm(body.toString(), formType, { strictGrantType: false });
        assert.equal(result.kind, "request");
        if (result.kind !== "request" || result.request.grantType !== "password") return;
        assert.equal(result.request.deviceProof, proof.length <= 128 ? proof : undefined);
      }),
      { numRuns: 100 },
    );
  });
});

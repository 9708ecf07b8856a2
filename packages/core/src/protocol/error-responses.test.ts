import assert from "node:assert/strict";
import { describe, it } from "node:test";
import { authErrorCodes } from "../errors.ts";
import { createScopeCatalogue, seedScopeDescriptions } from "../scopes.ts";
import {
  errorAnswer,
  frameworkErrorAnswer,
  methodNotAllowedAnswer,
  notReadyAnswer,
  requestErrorAnswer,
  withBasicChallenge,
  withResourceMetadata,
} from "./error-responses.ts";

const scopes = createScopeCatalogue(seedScopeDescriptions);

describe("errorAnswer", () => {
  it("answers token_invalid and token_expired identically so a client cannot tell them apart", () => {
    const required = scopes.check(["me"]);

    assert.deepEqual(
      errorAnswer("token_invalid", "resource", required),
      errorAnswer("token_expired", "resource", required),
    );
  });

  it("writes RFC 6749 §5.2 bodies with the seed's detail at the token endpoint", () => {
    assert.deepEqual(errorAnswer("invalid_credentials", "token"), {
      status: 400,
      body: {
        error: "invalid_grant",
        error_description: "Incorrect username or password",
        detail: "Incorrect username or password",
      },
      headers: { "Cache-Control": "no-store", Pragma: "no-cache" },
    });
  });

  it("answers an inactive user at a resource with the seed's 400 and no challenge", () => {
    assert.deepEqual(errorAnswer("inactive_user", "resource"), {
      status: 400,
      body: { detail: "Inactive user" },
      headers: {},
    });
  });

  it("answers a busy hasher with 503 and Retry-After", () => {
    const answer = errorAnswer("hasher_busy", "token");

    assert.equal(answer.status, 503);
    assert.equal(answer.headers["Retry-After"], "1");
  });

  it("writes a description into the challenge as RFC 6750 §3 allows, never a quote or backslash", () => {
    const answer = errorAnswer("token_invalid", "resource", [], 'issuer "x\\y" \u00e9\r\n');

    assert.equal(
      answer.headers["WWW-Authenticate"],
      'Bearer error="invalid_token", error_description="issuer ?x?y? ???"',
    );
  });

  it("cuts a long description and gives none to a bare challenge (RFC 6750 §3.1)", () => {
    const long = errorAnswer("token_invalid", "resource", [], "a".repeat(500));

    assert.match(long.headers["WWW-Authenticate"] ?? "", /error_description="a{200}"$/);
    assert.equal(
      errorAnswer("token_missing", "resource", [], "why").headers["WWW-Authenticate"],
      "Bearer",
    );
  });

  it("has a 4xx or 503 answer for every code at both endpoints", () => {
    const codes = authErrorCodes;
    for (const code of codes) {
      for (const endpoint of ["token", "resource"] as const) {
        const { status } = errorAnswer(code, endpoint);
        assert.ok((status >= 400 && status < 500) || status === 503, `${code} ${endpoint}`);
      }
    }
  });
});

describe("requestErrorAnswer", () => {
  it("answers an unknown path and an oversized body with FastAPI's detail bodies", () => {
    assert.deepEqual(requestErrorAnswer("not_found"), {
      status: 404,
      body: { detail: "Not Found" },
      headers: {},
    });
    assert.deepEqual(requestErrorAnswer("body_too_large"), {
      status: 413,
      body: { detail: "Request body too large" },
      headers: {},
    });
  });
});

describe("methodNotAllowedAnswer", () => {
  it("answers 405 with Starlette's detail and an Allow header listing the methods (issue 16)", () => {
    assert.deepEqual(methodNotAllowedAnswer(["GET", "HEAD"]), {
      status: 405,
      body: { detail: "Method Not Allowed" },
      headers: { Allow: "GET, HEAD" },
    });
  });
});

describe("frameworkErrorAnswer", () => {
  it("keeps the framework's client error status and message", () => {
    assert.deepEqual(frameworkErrorAnswer(415, "Unsupported Media Type"), {
      status: 415,
      body: { detail: "Unsupported Media Type" },
      headers: {},
    });
  });

  it("answers 400 Bad Request for an empty message or a status outside the client errors it knows", () => {
    assert.deepEqual(frameworkErrorAnswer(418, ""), {
      status: 400,
      body: { detail: "Bad Request" },
      headers: {},
    });
    assert.equal(frameworkErrorAnswer(503, "busy").status, 400);
  });
});

describe("notReadyAnswer", () => {
  it("answers 503 with the health document's shape and the reason", () => {
    assert.deepEqual(notReadyAnswer("shutting down"), {
      status: 503,
      body: { status: "unavailable", detail: "shutting down" },
      headers: {},
    });
  });
});

describe("withResourceMetadata", () => {
  const url = "https://api.example.test/.well-known/oauth-protected-resource";

  it("adds resource_metadata to a bare Bearer challenge (RFC 9728 §5.1)", () => {
    const answer = withResourceMetadata(errorAnswer("token_missing", "resource"), url);

    assert.equal(answer.headers["WWW-Authenticate"], `Bearer resource_metadata="${url}"`);
  });

  it("adds resource_metadata after the error and scope of a challenge", () => {
    const answer = withResourceMetadata(
      errorAnswer("insufficient_scope", "resource", ["items"]),
      url,
    );

    assert.equal(
      answer.headers["WWW-Authenticate"],
      `Bearer error="insufficient_scope", scope="items", resource_metadata="${url}"`,
    );
  });

  it("leaves an answer without a Bearer challenge as it is", () => {
    const basic = withBasicChallenge(errorAnswer("invalid_client", "token"));

    assert.deepEqual(withResourceMetadata(basic, url), basic);
  });

  it("refuses a URL holding a quote, a backslash or a space", () => {
    for (const bad of ['https://x/"', "https://x/\\", "https://x/ y"]) {
      assert.throws(
        () => withResourceMetadata(errorAnswer("token_missing", "resource"), bad),
        TypeError,
      );
    }
  });
});

import assert from "node:assert/strict";
import { describe, it } from "node:test";
import { explainListenFailure } from "./listen-failure.ts";

function systemError(code: string, message = code): Error {
  return Object.assign(new Error(message), { code });
}

const at = { host: "127.0.0.1", port: 8000 };

describe("listen failures", () => {
  it("names PORT when the port is in use", () => {
    assert.equal(
      explainListenFailure(systemError("EADDRINUSE"), at)?.message,
      "port 8000 on 127.0.0.1 is in use; set PORT (or --port) to a free port",
    );
  });

  it("names PORT when the port needs privileges", () => {
    assert.match(
      explainListenFailure(systemError("EACCES"), { host: "0.0.0.0", port: 80 })?.message ?? "",
      /^port 80 on 0\.0\.0\.0 needs privileges .*set PORT/,
    );
  });

  for (const code of ["EADDRNOTAVAIL", "EAFNOSUPPORT", "ENOTFOUND", "EAI_AGAIN", "EAI_NONAME"]) {
    it(`names HOST for ${code}`, () => {
      const explained = explainListenFailure(systemError(code), { host: "10.9.9.9", port: 1 });

      assert.match(explained?.message ?? "", /^HOST 10\.9\.9\.9 .*; set HOST \(or --host\)/);
    });
  }

  it("keeps the original error as the cause", () => {
    const error = systemError("EADDRINUSE");

    assert.equal(explainListenFailure(error, at)?.cause, error);
  });

  it("leaves an error of unknown cause alone", () => {
    assert.equal(explainListenFailure(new Error("odd"), at), undefined);
    assert.equal(explainListenFailure(systemError("constructor"), at), undefined);
    assert.equal(explainListenFailure("not an error", at), undefined);
  });
});

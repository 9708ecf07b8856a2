import assert from "node:assert/strict";
import { describe, it } from "node:test";
import { importedPasswordHash, passwordHashFormat } from "./hash-formats.ts";

const bcrypt = "$2b$12$EixZaYVK1fsbw1ZfbX3OXePaWxn96p36WQoeG6Lruj3vjPGga31lW";
const argon2 = "$argon2id$v=19$m=65536,t=3,p=4$c2FsdHNhbHRzYWx0$aGFzaGhhc2hoYXNoaGFzaGhhc2g";
const pbkdf2 = `pbkdf2_sha256$870000$abcdefSALT$${"A".repeat(43)}=`;

describe("passwordHashFormat", () => {
  it("recognises bcrypt, argon2 PHC and Django pbkdf2_sha256", () => {
    assert.equal(passwordHashFormat(bcrypt), "bcrypt");
    assert.equal(passwordHashFormat(argon2), "argon2");
    assert.equal(passwordHashFormat(pbkdf2), "pbkdf2_sha256");
  });

  it("refuses plaintext, truncated hashes, other algorithms and absurd iteration counts", () => {
    for (const hash of [
      "secret",
      "",
      bcrypt.slice(0, -1),
      "$2b$03$EixZaYVK1fsbw1ZfbX3OXePaWxn96p36WQoeG6Lruj3vjPGga31lW",
      "$1$md5crypt$abcdefghijklmnopqrstuv",
      "$argon2id$v=19$m=65536,t=3,p=4$c2FsdA",
      `pbkdf2_sha1$870000$salt$${"A".repeat(27)}=`,
      `pbkdf2_sha256$99999999$salt$${"A".repeat(43)}=`,
      `pbkdf2_sha256$0$salt$${"A".repeat(43)}=`,
    ]) {
      assert.equal(passwordHashFormat(hash), undefined, hash);
    }
  });
});

describe("importedPasswordHash", () => {
  it("passes a supported hash through unchanged", () => {
    assert.equal(importedPasswordHash(pbkdf2), pbkdf2);
  });

  it("refuses an unsupported one with invalid_request", () => {
    assert.throws(() => importedPasswordHash("plaintext"), { code: "invalid_request" });
  });
});

import assert from "node:assert/strict";
import { describe, it } from "node:test";
import type { PasswordHash } from "../passwords/hasher.ts";
import type { UserRecord } from "../users/user.ts";
import type { LoginSessionRecord } from "./login-sessions.ts";
import {
  generateLoginSessionId,
  hashLoginSessionId,
  isLoginSessionIdShaped,
  isLoginSessionLive,
} from "./login-sessions.ts";

const login = 1_000_000;
const session: LoginSessionRecord = {
  sessionHash: "h",
  username: "johndoe",
  createdAt: login,
  expiresAt: login + 3600_000,
  lastSeenAt: login,
};
const user: UserRecord = {
  username: "johndoe",
  email: null,
  fullName: null,
  disabled: false,
  scopes: ["me"],
  passwordHash: "x" as PasswordHash,
  createdAt: login - 1000,
  updatedAt: login - 1000,
  tokensValidAfter: null,
};

describe("login sessions", () => {
  it("makes 256-bit ids stored only as their hash", () => {
    const id = generateLoginSessionId();

    assert.equal(isLoginSessionIdShaped(id), true);
    assert.notEqual(hashLoginSessionId(id), id);
    assert.equal(isLoginSessionIdShaped(`${id}x`), false);
  });

  it("counts a session of an active user before it expires", () => {
    assert.equal(isLoginSessionLive(session, user, login + 1), true);
  });

  it("ends a session at its expiry", () => {
    assert.equal(isLoginSessionLive(session, user, session.expiresAt), false);
  });

  it("ends a session whose user was deleted, disabled or created again", () => {
    assert.equal(isLoginSessionLive(session, undefined, login + 1), false);
    assert.equal(isLoginSessionLive(session, { ...user, disabled: true }, login + 1), false);
    assert.equal(isLoginSessionLive(session, { ...user, createdAt: login + 1 }, login + 2), false);
  });

  it("ends a session older than the user's cut-off (password change, log out everywhere)", () => {
    assert.equal(
      isLoginSessionLive(session, { ...user, tokensValidAfter: login + 1 }, login + 2),
      false,
    );
    assert.equal(
      isLoginSessionLive(session, { ...user, tokensValidAfter: login }, login + 2),
      true,
    );
  });
});

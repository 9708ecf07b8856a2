// Refresh token families in process memory, for the memory store. Each method runs to completion
// without awaiting, so each is atomic on the one event loop.
import { AuthError } from "gatehouse-auth-core/errors";
import type {
  NewRefreshToken,
  RefreshTokenRecord,
  RefreshTokenState,
  RefreshTokenStore,
} from "gatehouse-auth-core/tokens/refresh-tokens";

interface Family {
  readonly familyId: string;
  readonly username: string;
  readonly scopes: readonly string[];
  readonly createdAt: number;
  readonly expiresAt: number;
  readonly clientId: string | null;
  revokedAt: number | null;
}

interface Token extends NewRefreshToken {
  readonly familyId: string;
  state: RefreshTokenState;
  spentAt: number | null;
  successorHash: string | null;
}

/** The {@link RefreshTokenStore} part of the memory store, plus hooks for the user part. */
export interface MemoryRefreshTokenStore extends RefreshTokenStore {
  /** Drops the families of a deleted user, as the SQL schema's ON DELETE CASCADE does. */
  forgetUser(username: string): void;
  clear(): void;
}

/** Creates the memory refresh token part; `userExists` stands in for the SQL foreign key. */
export function createMemoryRefreshTokenStore(
  userExists: (username: string) => boolean,
): MemoryRefreshTokenStore {
  const families = new Map<string, Family>();
  const tokens = new Map<string, Token>();

  const isLive = (familyId: string, now: number): boolean => {
    const family = families.get(familyId);
    return family !== undefined && family.revokedAt === null && family.expiresAt > now;
  };
  const add = (familyId: string, row: NewRefreshToken): void => {
    tokens.set(row.tokenHash, {
      ...row,
      familyId,
      state: "active",
      spentAt: null,
      successorHash: null,
    });
  };
  const dropFamilies = (keep: (family: Family) => boolean): number => {
    let dropped = 0;
    for (const family of families.values()) {
      if (keep(family)) continue;
      families.delete(family.familyId);
      dropped++;
    }
    for (const [hash, token] of tokens) if (!families.has(token.familyId)) tokens.delete(hash);
    return dropped;
  };

  return {
    async createRefreshFamily(family) {
      if (!userExists(family.username)) {
        throw new AuthError("user_not_found", "no user with this username");
      }
      families.set(family.familyId, {
        familyId: family.familyId,
        username: family.username,
        scopes: [...family.scopes],
        createdAt: family.createdAt,
        expiresAt: family.expiresAt,
        clientId: family.clientId ?? null,
        revokedAt: null,
      });
      add(family.familyId, family.token);
    },

    async findRefreshToken(tokenHash): Promise<RefreshTokenRecord | undefined> {
      const token = tokens.get(tokenHash);
      const family = token === undefined ? undefined : families.get(token.familyId);
      if (token === undefined || family === undefined) return undefined;
      return {
        tokenHash,
        familyId: family.familyId,
        username: family.username,
        scopes: [...family.scopes],
        state: token.state,
        issuedAt: token.issuedAt,
        expiresAt: token.expiresAt,
        spentAt: token.spentAt,
        successorHash: token.successorHash,
        familyCreatedAt: family.createdAt,
        familyExpiresAt: family.expiresAt,
        familyRevoked: family.revokedAt !== null,
        clientId: family.clientId,
      };
    },

    async rotateRefreshToken(tokenHash, successor, now) {
      const token = tokens.get(tokenHash);
      if (token?.state !== "active" || token.expiresAt <= now || !isLive(token.familyId, now)) {
        return false;
      }
      token.state = "rotated";
      token.spentAt = now;
      token.successorHash = successor.tokenHash;
      add(token.familyId, successor);
      return true;
    },

    async retryRefreshToken(tokenHash, successor, now, spentSince) {
      const token = tokens.get(tokenHash);
      const next = token?.successorHash == null ? undefined : tokens.get(token.successorHash);
      if (
        token?.state !== "rotated" ||
        token.spentAt === null ||
        token.spentAt < spentSince ||
        next?.state !== "active" ||
        !isLive(token.familyId, now)
      ) {
        return false;
      }
      next.state = "discarded";
      next.spentAt = now;
      token.state = "retried";
      token.successorHash = successor.tokenHash;
      add(token.familyId, successor);
      return true;
    },

    async revokeRefreshFamily(familyId, now) {
      const family = families.get(familyId);
      if (family !== undefined && family.revokedAt === null) family.revokedAt = now;
    },

    async revokeRefreshFamiliesOf(username, now) {
      let revoked = 0;
      for (const family of families.values()) {
        if (family.username !== username || family.revokedAt !== null) continue;
        family.revokedAt = now;
        revoked++;
      }
      return revoked;
    },

    async lastRefreshIssuedAt(username) {
      let last: number | null = null;
      for (const token of tokens.values()) {
        if (families.get(token.familyId)?.username !== username) continue;
        if (last === null || token.issuedAt > last) last = token.issuedAt;
      }
      return last;
    },

    async purgeRefreshFamilies(now) {
      return dropFamilies((family) => family.expiresAt > now);
    },

    forgetUser(username) {
      dropFamilies((family) => family.username !== username);
    },

    clear() {
      families.clear();
      tokens.clear();
    },
  };
}

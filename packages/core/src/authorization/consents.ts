// Consents: which scopes a user let which client have, remembered until revoked.

/** One user's consent to one client. Times are milliseconds since the epoch. */
export interface Consent {
  readonly username: string;
  readonly clientId: string;
  /** The scopes approved so far, as names. */
  readonly scopes: readonly string[];
  /** When the consent was last given or widened. */
  readonly grantedAt: number;
}

/** Where consents live. Every adapter passes the consent contract suite. */
export interface ConsentStore {
  findConsent(username: string, clientId: string): Promise<Consent | undefined>;
  /** Stores `consent`, replacing the user's earlier consent to that client. */
  saveConsent(consent: Consent): Promise<void>;
  /** The user's consents, ordered by `clientId`. */
  listConsents(username: string): Promise<readonly Consent[]>;
  /** Removes the user's consent to the client; returns whether there was one. */
  revokeConsent(username: string, clientId: string): Promise<boolean>;
}

/**
 * Tells whether `consent` covers `scopes` for a user created at `userCreatedAt`: every scope was
 * approved, by this account and not an earlier one of the same name.
 */
export function consentCovers(
  consent: Consent | undefined,
  scopes: readonly string[],
  userCreatedAt: number,
): boolean {
  if (consent === undefined || consent.grantedAt < userCreatedAt) return false;
  const approved = new Set(consent.scopes);
  return scopes.every((scope) => approved.has(scope));
}

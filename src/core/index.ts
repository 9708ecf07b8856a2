// The toolkit's public API: everything a TypeScript service needs to issue and check Gatehouse tokens.
export type { Argon2Hasher, Argon2HasherOptions } from "./argon2-hasher.ts";
export { createArgon2Hasher, owaspArgon2Params } from "./argon2-hasher.ts";
export type { AuthenticateDeps } from "./authenticate.ts";
export { authenticate } from "./authenticate.ts";
export type { AuthorizeDeps, Principal } from "./authorize.ts";
export { authorize } from "./authorize.ts";
export type { Clock } from "./clock.ts";
export { createFixedClock, systemClock } from "./clock.ts";
export type { AuthErrorCode } from "./errors.ts";
export { AuthError, isAuthError } from "./errors.ts";
export type { Item, ItemStore } from "./items.ts";
export type { PublishedJwk } from "./key-material.ts";
export { generateSigningKey, publishedJwk, toTokenKey } from "./key-material.ts";
export type { KeyRing, KeyRingOptions } from "./key-ring.ts";
export { createKeyRing, keyRefreshIntervalSeconds, unknownKeyRefreshSeconds } from "./key-ring.ts";
export type { RotateSigningKeyDeps, Rotation } from "./key-rotation.ts";
export { clockSkewSeconds, retirementTime, rotateSigningKey } from "./key-rotation.ts";
export type { PasswordGrantDeps, PasswordGrantRequest } from "./password-grant.ts";
export { passwordGrant } from "./password-grant.ts";
export type { PasswordCheck, PasswordHash, PasswordHasher } from "./passwords.ts";
export { assertAcceptablePassword, isAcceptablePassword, maxPasswordBytes } from "./passwords.ts";
export type { Scope, ScopeCatalogue } from "./scopes.ts";
export {
  createScopeCatalogue,
  formatScopes,
  intersectScopes,
  missingScopes,
  seedScopeDescriptions,
} from "./scopes.ts";
export type {
  SigningAlgorithm,
  SigningKeyRecord,
  SigningKeyStatus,
  SigningKeyStore,
} from "./signing-keys.ts";
export { signingAlgorithms, signingKeyStatus } from "./signing-keys.ts";
export type { Store } from "./store.ts";
export type {
  AccessToken,
  IssuedAccessToken,
  IssueOptions,
  KeyPair,
  SigningKey,
  TokenKey,
  TokenKeySet,
  TokenService,
  TokenServiceOptions,
  VerifiedAccessToken,
} from "./tokens.ts";
export {
  createTokenService,
  defaultTokenLifetimeSeconds,
  deriveKeyId,
  maxTokenLength,
  verifyWithKeyRefresh,
} from "./tokens.ts";
export type { NewUser, User, UserPatch, UserRecord, UserStore } from "./users.ts";
export { isValidUsername, toUser } from "./users.ts";

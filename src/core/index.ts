// The toolkit's public API: everything a TypeScript service needs to issue and check Gatehouse tokens.
export type { AccessTokenDenylist } from "./access-token-denylist.ts";
export type { Argon2Hasher, Argon2HasherOptions } from "./argon2-hasher.ts";
export { createArgon2Hasher, owaspArgon2Params } from "./argon2-hasher.ts";
export type {
  AuditDetails,
  AuditEvent,
  AuditEventType,
  AuditLog,
  AuditPage,
  AuditQuery,
  NewAuditEvent,
} from "./audit-log.ts";
export { auditEventTypes } from "./audit-log.ts";
export type { AuthenticateDeps } from "./authenticate.ts";
export { authenticate } from "./authenticate.ts";
export type { AuthorizeDeps, Principal } from "./authorize.ts";
export { authorize, isIssuedBeforeCutoff } from "./authorize.ts";
export type { Clock } from "./clock.ts";
export { createFixedClock, systemClock } from "./clock.ts";
export type { AuthErrorCode } from "./errors.ts";
export { AuthError, isAuthError } from "./errors.ts";
export type { ActiveToken, IntrospectDeps, Introspection } from "./introspect.ts";
export { introspectToken } from "./introspect.ts";
export type { Item, ItemStore } from "./items.ts";
export type { PublishedJwk } from "./key-material.ts";
export { generateSigningKey, publishedJwk, toTokenKey } from "./key-material.ts";
export type { KeyRing, KeyRingOptions } from "./key-ring.ts";
export { createKeyRing, keyRefreshIntervalSeconds, unknownKeyRefreshSeconds } from "./key-ring.ts";
export type { RotateSigningKeyDeps, Rotation } from "./key-rotation.ts";
export { clockSkewSeconds, retirementTime, rotateSigningKey } from "./key-rotation.ts";
export type { IssuedTokens, PasswordGrantDeps, PasswordGrantRequest } from "./password-grant.ts";
export { passwordGrant } from "./password-grant.ts";
export type { PasswordCheck, PasswordHash, PasswordHasher } from "./passwords.ts";
export { assertAcceptablePassword, isAcceptablePassword, maxPasswordBytes } from "./passwords.ts";
export type { Readiness, ReadinessCheck } from "./readiness.ts";
export type {
  RefreshedTokens,
  RefreshGrantDeps,
  RefreshGrantRequest,
} from "./refresh-grant.ts";
export { isRefreshTokenUsable, refreshGrant } from "./refresh-grant.ts";
export type {
  MintedRefreshToken,
  NewRefreshFamily,
  NewRefreshToken,
  RefreshFamilyDeps,
  RefreshPolicy,
  RefreshToken,
  RefreshTokenRecord,
  RefreshTokenState,
  RefreshTokenStore,
} from "./refresh-tokens.ts";
export {
  defaultRefreshPolicy,
  hashRefreshToken,
  isRefreshTokenShaped,
  mintRefreshToken,
  startRefreshFamily,
} from "./refresh-tokens.ts";
export type { RevocationOutcome, RevokeDeps } from "./revoke.ts";
export { revokeToken } from "./revoke.ts";
export type { Scope, ScopeCatalogue } from "./scopes.ts";
export {
  createScopeCatalogue,
  formatScopes,
  gatehouseScopeDescriptions,
  intersectScopes,
  missingScopes,
  seedScopeDescriptions,
} from "./scopes.ts";
export type { Seed, SeedStore } from "./seed.ts";
export type {
  SigningAlgorithm,
  SigningKeyRecord,
  SigningKeyStatus,
  SigningKeyStore,
} from "./signing-keys.ts";
export { signingAlgorithms, signingKeyStatus } from "./signing-keys.ts";
export type { Store } from "./store.ts";
export type {
  LoginAttempt,
  LoginThrottle,
  LoginThrottleOptions,
  ThrottlePolicy,
} from "./throttle.ts";
export { accountThrottleKey, createLoginThrottle, defaultThrottlePolicy } from "./throttle.ts";
export type {
  ThrottleCounter,
  ThrottleDecision,
  ThrottleRule,
  ThrottleStore,
} from "./throttle-store.ts";
export { applyCountedAttempt, applyForgivenAttempt } from "./throttle-store.ts";
export type { KeyPair, SigningKey, TokenKey, TokenKeySet } from "./token-keys.ts";
export { deriveKeyId } from "./token-keys.ts";
export type {
  AccessToken,
  IssuedAccessToken,
  IssueOptions,
  TokenService,
  TokenServiceOptions,
  VerifiedAccessToken,
} from "./tokens.ts";
export {
  createTokenService,
  defaultTokenLifetimeSeconds,
  maxTokenLength,
  verifyWithKeyRefresh,
} from "./tokens.ts";
export type { UserLifecycleDeps } from "./user-lifecycle.ts";
export { changePassword, disableUser, logoutEverywhere } from "./user-lifecycle.ts";
export type { NewUser, User, UserPatch, UserRecord, UserStore } from "./users.ts";
export { isValidUsername, toUser } from "./users.ts";

// The toolkit's public API: everything a TypeScript service needs to issue and check Gatehouse tokens.

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
export type { AuthorizeDeps, Principal } from "./authorize.ts";
export { authorize, isIssuedBeforeCutoff } from "./authorize.ts";
export type {
  AuthorizeCallerDeps,
  Caller,
  PrincipalKind,
  PrincipalOf,
} from "./authorize-caller.ts";
export { authorizeCaller } from "./authorize-caller.ts";
export type { Clock } from "./clock.ts";
export { createFixedClock, systemClock } from "./clock.ts";
export type { AuthErrorCode } from "./errors.ts";
export { AuthError, isAuthError } from "./errors.ts";
export type { DeviceKey, DeviceProofOptions, DeviceProofs } from "./grants/device-proof.ts";
export { createDeviceProofs } from "./grants/device-proof.ts";
export type {
  IssuedTokens,
  PasswordGrantDeps,
  PasswordGrantRequest,
} from "./grants/password-grant.ts";
export { passwordGrant } from "./grants/password-grant.ts";
export type {
  RefreshedTokens,
  RefreshGrantDeps,
  RefreshGrantRequest,
} from "./grants/refresh-grant.ts";
export { isRefreshTokenUsable, refreshGrant } from "./grants/refresh-grant.ts";
export type {
  LoginAttempt,
  LoginThrottle,
  LoginThrottleOptions,
  ThrottlePolicy,
} from "./grants/throttle.ts";
export {
  accountThrottleKey,
  createLoginThrottle,
  defaultThrottlePolicy,
} from "./grants/throttle.ts";
export type {
  AttemptSettlement,
  KeyedAttempt,
  KeyedSettlement,
  ThrottleCounter,
  ThrottleDecision,
  ThrottleRule,
  ThrottleRunDecision,
  ThrottleStore,
} from "./grants/throttle-store.ts";
export { applyReservation, applySettlement } from "./grants/throttle-store.ts";
export type {
  LoginOutcome,
  TokenEndpoint,
  TokenEndpointDeps,
  TokenOutcome,
  TokenRequestFacts,
} from "./grants/token-endpoint.ts";
export { createTokenEndpoint } from "./grants/token-endpoint.ts";
export type { PublishedJwk } from "./keys/key-material.ts";
export { generateSigningKey, publishedJwk, toTokenKey } from "./keys/key-material.ts";
export type { KeyRing, KeyRingOptions } from "./keys/key-ring.ts";
export {
  createKeyRing,
  keyRefreshIntervalSeconds,
  unknownKeyRefreshSeconds,
} from "./keys/key-ring.ts";
export type { RotateSigningKeyDeps, Rotation } from "./keys/key-rotation.ts";
export { clockSkewSeconds, retirementTime, rotateSigningKey } from "./keys/key-rotation.ts";
export type {
  SigningAlgorithm,
  SigningKeyRecord,
  SigningKeyStatus,
  SigningKeyStore,
} from "./keys/signing-keys.ts";
export { signingAlgorithms, signingKeyStatus } from "./keys/signing-keys.ts";
export type { KeyPair, SigningKey, TokenKey, TokenKeySet } from "./keys/token-keys.ts";
export { deriveKeyId, staticKeySet } from "./keys/token-keys.ts";
export type { Argon2Hasher, Argon2HasherOptions } from "./passwords/argon2-hasher.ts";
export { createArgon2Hasher, owaspArgon2Params } from "./passwords/argon2-hasher.ts";
export type { PasswordCheck, PasswordHash, PasswordHasher } from "./passwords/hasher.ts";
export {
  assertAcceptablePassword,
  isAcceptablePassword,
  maxPasswordBytes,
} from "./passwords/hasher.ts";
export type { Store } from "./ports.ts";
export type { Readiness, ReadinessCheck } from "./readiness.ts";
export type { Scope, ScopeCatalogue } from "./scopes.ts";
export {
  createScopeCatalogue,
  formatScopes,
  gatehouseScopeDescriptions,
  intersectScopes,
  missingScopes,
  seedScopeDescriptions,
} from "./scopes.ts";
export type { PasswordTokenRequest, RefreshTokenRequest, TokenRequest } from "./token-request.ts";
export type { AccessTokenClaims, TokenForm } from "./tokens/claims.ts";
export { accessTokenClaimsSchema, grantedScopeNames } from "./tokens/claims.ts";
export type { AccessTokenDenylist } from "./tokens/denylist.ts";
export type { ActiveToken, IntrospectDeps, Introspection } from "./tokens/introspect.ts";
export { introspectToken } from "./tokens/introspect.ts";
export type { KeySource } from "./tokens/key-source.ts";
export type { LegacyKeySource, LegacyKeySourceOptions } from "./tokens/legacy-key-source.ts";
export { createLegacyKeySource } from "./tokens/legacy-key-source.ts";
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
} from "./tokens/refresh-tokens.ts";
export {
  defaultRefreshPolicy,
  hashRefreshToken,
  isRefreshTokenShaped,
  mintRefreshToken,
  startRefreshFamily,
} from "./tokens/refresh-tokens.ts";
export type { RevocationOutcome, RevokeDeps } from "./tokens/revoke.ts";
export { revokeToken } from "./tokens/revoke.ts";
export type {
  CheckedToken,
  RequirableClaim,
  TokenVerifier,
  TokenVerifierOptions,
} from "./tokens/token-verifier.ts";
export {
  createTokenVerifier,
  maxTokenLength,
  verifyWithKeyRefresh,
} from "./tokens/token-verifier.ts";
export type {
  AccessToken,
  IssuedAccessToken,
  IssueOptions,
  TokenService,
  TokenServiceOptions,
} from "./tokens/tokens.ts";
export { createTokenService, defaultTokenLifetimeSeconds } from "./tokens/tokens.ts";
export type { VerifiedAccessToken } from "./tokens/verified-access-token.ts";
export { readVerifiedAccessToken } from "./tokens/verified-access-token.ts";
export type { AuthenticateDeps } from "./users/authenticate.ts";
export { authenticate } from "./users/authenticate.ts";
export type { Item, ItemStore } from "./users/items.ts";
export type { Seed, SeedStore } from "./users/seed.ts";
export type { NewUser, User, UserPatch, UserRecord, UserStore } from "./users/user.ts";
export { isValidUsername, toUser } from "./users/user.ts";
export type { UserLifecycleDeps } from "./users/user-lifecycle.ts";
export { changePassword, disableUser, logoutEverywhere } from "./users/user-lifecycle.ts";

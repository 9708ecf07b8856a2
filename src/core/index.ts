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
export type { PasswordGrantDeps, PasswordGrantRequest } from "./password-grant.ts";
export { passwordGrant } from "./password-grant.ts";
export type { PasswordCheck, PasswordHash, PasswordHasher } from "./passwords.ts";
export { assertAcceptablePassword, isAcceptablePassword, maxPasswordBytes } from "./passwords.ts";
export type { Readiness, ReadinessCheck } from "./readiness.ts";
export type { Scope, ScopeCatalogue } from "./scopes.ts";
export {
  createScopeCatalogue,
  formatScopes,
  intersectScopes,
  missingScopes,
  seedScopeDescriptions,
} from "./scopes.ts";
export type { SigningAlgorithm, SigningKeyRecord, SigningKeyStore } from "./signing-keys.ts";
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
export type {
  AccessToken,
  IssuedAccessToken,
  SigningKey,
  TokenService,
  TokenServiceOptions,
  VerifiedAccessToken,
} from "./tokens.ts";
export {
  createTokenService,
  defaultTokenLifetimeSeconds,
  deriveKeyId,
  maxTokenLength,
} from "./tokens.ts";
export type { NewUser, User, UserPatch, UserRecord, UserStore } from "./users.ts";
export { isValidUsername, toUser } from "./users.ts";

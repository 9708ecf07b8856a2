// The scopes that guard the administration API; granted only to users allowed them.

/** Admin scopes and their descriptions, added to the catalogue beside the seed's. */
export const adminScopeDescriptions = {
  "users:read": "Read user accounts.",
  "users:write": "Create, change and delete user accounts.",
  "audit:read": "Read the audit trail.",
} as const;

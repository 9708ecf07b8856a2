/** The columns of `users` every SQLite query reading a whole user selects, in one place. */
export const sqliteUserColumns =
  "username, email, full_name, disabled, scopes, password_hash, created_at, updated_at, tokens_valid_after";

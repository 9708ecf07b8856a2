// The one form a username is compared in: for uniqueness, for login and for the login throttle.

/**
 * The canonical form of a username: NFKC-normalised, trimmed and lower-cased. Two names with the
 * same canonical form name one account — `JohnDoe` and `johndoe` cannot both exist, a login as
 * `JOHNDOE` reaches `johndoe`, and the login throttle counts them as one. Usernames are ASCII
 * (see `isValidUsername`), for which this is plain lower-casing; the normalisation and trimming
 * matter only for the throttle, which keys any text typed into the username field.
 * @example
 * canonicalUsername("JohnDoe"); // "johndoe"
 */
export function canonicalUsername(name: string): string {
  return name.normalize("NFKC").trim().toLowerCase();
}

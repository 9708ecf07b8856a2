-- Usernames are unique in their canonical form, the form the login throttle keys accounts by:
-- lower case (usernames are ASCII, where lower() is exactly canonicalUsername()). The store
-- writes canonical_username from canonicalUsername() for every new user.
--
-- A database from before this rule may hold names that differ only by case. This migration does
-- not fail on them: their rows are marked case_collision = 1, stay usable by their exact names,
-- and are named by `gatehouse migrate` and at every start until an operator deletes one of each
-- pair. Every new row is 0, so the partial unique index refuses two new rows sharing a form, and
-- createUser refuses a form that any row, marked or not, already holds.

ALTER TABLE users ADD COLUMN canonical_username TEXT NOT NULL DEFAULT '';
ALTER TABLE users ADD COLUMN case_collision INTEGER NOT NULL DEFAULT 0 CHECK (case_collision IN (0, 1));

UPDATE users SET canonical_username = lower(username);

UPDATE users SET case_collision = 1
WHERE canonical_username IN (
  SELECT canonical_username FROM users GROUP BY canonical_username HAVING count(*) > 1
);

CREATE UNIQUE INDEX users_unique_canonical_username ON users (canonical_username)
  WHERE case_collision = 0;
-- Logins and the collision report look rows up by this form, marked or not.
CREATE INDEX users_by_canonical_username ON users (canonical_username);

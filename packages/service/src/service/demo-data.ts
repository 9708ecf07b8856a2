// The seed documents' demo data: johndoe (active) and alice (disabled), and johndoe's item Foo.
import type { PasswordHasher } from "gatehouse-auth-core/passwords/hasher";
import type { Store } from "gatehouse-auth-core/ports";

/**
 * Seeds the demo users into an empty store and returns whether it did. A store holding any user
 * is left alone, so demo mode never overwrites real data. The users and the item are stored in
 * one step: a process killed while seeding leaves none of them or all of them, and of several
 * instances starting at once on one database exactly one seeds.
 *
 * The seed's bcrypt hashes are not copied: both users get fresh argon2id hashes, so a wrong
 * password for disabled alice costs exactly what it costs for an unknown user.
 */
export async function seedDemoData(
  store: Pick<Store, "users" | "seed">,
  hasher: PasswordHasher,
): Promise<boolean> {
  // Skips the hashing work on every start after the first.
  if ((await store.users.countUsers()) > 0) return false;
  return store.seed.seedIfEmpty({
    users: [
      {
        username: "johndoe",
        fullName: "John Doe",
        email: "johndoe@example.com",
        disabled: false,
        scopes: ["me", "items"],
        passwordHash: await hasher.hash("secret"),
      },
      {
        username: "alice",
        fullName: "Alice Wonderson",
        email: "alice@example.com",
        disabled: true,
        scopes: ["me", "items"],
        passwordHash: await hasher.hash("secret2"),
      },
    ],
    items: [{ owner: "johndoe", itemId: "Foo" }],
  });
}

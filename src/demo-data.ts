// The seed documents' demo data: johndoe (active) and alice (disabled), and johndoe's item Foo.
import type { PasswordHasher } from "./core/passwords.ts";
import type { Store } from "./core/store.ts";

/**
 * Seeds the demo users into an empty store and returns whether it did. A store holding any user
 * is left alone, so demo mode never overwrites real data.
 *
 * The seed's bcrypt hashes are not copied: both users get fresh argon2id hashes, so a wrong
 * password for disabled alice costs exactly what it costs for an unknown user.
 */
export async function seedDemoData(store: Store, hasher: PasswordHasher): Promise<boolean> {
  if ((await store.countUsers()) > 0) return false;
  await store.createUser({
    username: "johndoe",
    fullName: "John Doe",
    email: "johndoe@example.com",
    disabled: false,
    scopes: ["me", "items"],
    passwordHash: await hasher.hash("secret"),
  });
  await store.createUser({
    username: "alice",
    fullName: "Alice Wonderson",
    email: "alice@example.com",
    disabled: true,
    scopes: ["me", "items"],
    passwordHash: await hasher.hash("secret2"),
  });
  await store.addItem("johndoe", "Foo");
  return true;
}

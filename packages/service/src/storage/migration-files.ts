// The `NNN-description.sql` files of one SQL dialect's schema history, in the order they apply.
import { readdirSync } from "node:fs";

const migrationFile = /^(\d{3})-[a-z0-9]+(?:-[a-z0-9]+)*\.sql$/;

/** One migration file. */
export interface Migration {
  /** The file name without `.sql`, e.g. `001-initial`; recorded as `version`. */
  readonly name: string;
  readonly url: URL;
}

/**
 * The `.sql` files in `directory`, in file-name order; other files are ignored.
 * @throws {TypeError} when a `.sql` file is not named `NNN-description.sql` or numbers repeat
 */
export function listMigrations(directory: URL): readonly Migration[] {
  const numbers = new Set<string>();
  const migrations: Migration[] = [];
  for (const file of readdirSync(directory).sort()) {
    if (!file.endsWith(".sql")) continue;
    const number = migrationFile.exec(file)?.[1];
    // A misnamed or renumbered file would silently run out of order or never run.
    if (number === undefined)
      throw new TypeError(`migration file is not NNN-description.sql: ${file}`);
    if (numbers.has(number)) throw new TypeError(`two migrations share the number ${number}`);
    numbers.add(number);
    migrations.push({ name: file.slice(0, -".sql".length), url: new URL(file, directory) });
  }
  return migrations;
}

// What a SQLite database path must be before SQLite opens it: a regular file on real storage.
import { type Stats, statfsSync, statSync } from "node:fs";
import { dirname } from "node:path";

/** A SQLite database path that is no regular file on real storage; `what` says what it is. */
export class NotADatabaseFileError extends Error {
  override readonly name = "NotADatabaseFileError";
  readonly code = "GATEHOUSE_SQLITE_NOT_A_FILE";
  /** What the path is, e.g. `a folder`, `on the kernel's proc file system`. */
  readonly what: string;

  constructor(path: string, what: string) {
    super(`${path} is ${what}, not a database file`);
    this.what = what;
  }
}

// Linux's kernel interfaces (statfs(2) f_type, linux/magic.h) look like folders of files but
// hold no storage: SQLite's reads of one can fail in odd ways or block for ever (/proc/kmsg
// waits for the next kernel message), and writes go to the kernel, not to a disk.
const kernelFileSystems: ReadonlyMap<number, string> = new Map([
  [0x9fa0, "proc"],
  [0x62656572, "sysfs"],
  [0x64626720, "debugfs"],
  [0x74726163, "tracefs"],
  [0x73636673, "securityfs"],
  [0x27e0eb, "cgroup"],
  [0x63677270, "cgroup2"],
  [0x62656570, "configfs"],
  [0xde5e81e4, "efivarfs"],
  [0xcafe4a11, "bpf"],
  [0x6165676c, "pstore"],
  [0x1cd1, "devpts"],
]);

function kernelFileSystemOf(path: string): string | undefined {
  try {
    return kernelFileSystems.get(statfsSync(path).type);
  } catch {
    // No statfs here (another system), or the path vanished: SQLite reports what it finds.
    return undefined;
  }
}

function kindOf(stats: Stats): string {
  if (stats.isDirectory()) return "a folder";
  if (stats.isCharacterDevice() || stats.isBlockDevice()) return "a device";
  if (stats.isFIFO()) return "a pipe";
  if (stats.isSocket()) return "a socket";
  return "not a regular file";
}

/**
 * Refuses, before SQLite opens it, a path that is not a regular file on real storage: a folder,
 * a device (`/dev/null`, a terminal), a pipe or socket (also behind `/proc/self/fd/…`), or a file
 * of a kernel interface (`/proc`, `/sys`). SQLite given one fails late with a misleading reason,
 * or waits for ever on a read that never ends. A path that does not exist yet passes when its
 * folder is on real storage (SQLite creates the file); symbolic links are followed.
 * @throws {NotADatabaseFileError} naming the path and what it is
 */
export function checkDatabaseFile(path: string): void {
  const stats = statSync(path, { throwIfNoEntry: false });
  const fileSystem = kernelFileSystemOf(stats === undefined ? dirname(path) : path);
  if (fileSystem !== undefined)
    throw new NotADatabaseFileError(path, `on the kernel's ${fileSystem} file system`);
  if (stats !== undefined && !stats.isFile()) throw new NotADatabaseFileError(path, kindOf(stats));
}

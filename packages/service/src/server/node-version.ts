// The Node.js release the service needs, checked by the entry points before anything needs it.
// This module must load on older releases too: Node built-ins only, no syntax newer than ES2022.

/** The oldest Node.js major release Gatehouse runs on (`node:sqlite`, type stripping). */
const requiredMajor = 24;

/**
 * The one line to print when `version` (as in `process.versions.node`) is older than the
 * release Gatehouse needs; `undefined` when it will do.
 */
export function unsupportedNodeMessage(version: string): string | undefined {
  const major = Number.parseInt(version.split(".", 1)[0] ?? "", 10);
  if (major >= requiredMajor) return undefined;
  return `gatehouse needs Node.js ${requiredMajor} or later (this is ${version}); in the repository, npm start and npm run cli bring their own`;
}

/** Ends the process with status 1 and one line on stderr when this Node.js is too old. */
export function exitOnUnsupportedNode(): void {
  const message = unsupportedNodeMessage(process.versions.node);
  if (message === undefined) return;
  process.stderr.write(`${message}\n`);
  process.exit(1);
}

// The version `gatehouse --version` prints: the service package's own.
import { readFileSync } from "node:fs";
import { z } from "zod";

const packageJson = z.object({ version: z.string() });

/** The `version` of the service's package.json (two folders up, from src/cli/ and dist/cli/ alike). */
export function readServiceVersion(): string {
  const text = readFileSync(new URL("../../package.json", import.meta.url), "utf8");
  return packageJson.parse(JSON.parse(text)).version;
}

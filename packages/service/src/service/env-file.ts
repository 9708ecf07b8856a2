// The optional `.env` file of the working directory, read into the environment at start-up.
import { join } from "node:path";
import { errorCode, StartupError } from "./startup-error.ts";

/**
 * Reads `.env` from `directory` (the working directory by default) into `process.env` with
 * Node's `process.loadEnvFile`; a variable the environment already sets keeps its value. Returns
 * whether a file was read: a missing one is no error.
 * @throws {StartupError} when the file exists but cannot be read or parsed
 */
export function loadDotEnv(directory: string = process.cwd()): boolean {
  const path = join(directory, ".env");
  try {
    process.loadEnvFile(path);
    return true;
  } catch (error) {
    if (errorCode(error) === "ENOENT") return false;
    const reason = error instanceof Error ? error.message : String(error);
    throw new StartupError(`cannot read ${path} (${reason}); fix or remove it`, { cause: error });
  }
}

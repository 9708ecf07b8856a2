// Copies the SQL migrations next to the compiled adapters, which `tsc` does not do.
import { cpSync } from "node:fs";

cpSync("src/storage/migrations", "dist/storage/migrations", {
  recursive: true,
  filter: (source) => !source.endsWith(".ts"),
});

// Copies the SQL migrations next to the compiled adapters, which `tsc` does not do.
import { cpSync } from "node:fs";

for (const family of ["sqlite", "postgres"]) {
  cpSync(`src/storage/${family}/migrations`, `dist/storage/${family}/migrations`, {
    recursive: true,
  });
}

// Builds the packages when a source is newer than the last build, so `npm start` and `npm run bench`
// run what is in the tree without compiling on every start.
import { spawnSync } from "node:child_process";
import { readdirSync, statSync, writeFileSync } from "node:fs";
import { join } from "node:path";

const packages = ["packages/core", "packages/resource-server", "packages/service"];
const stampName = ".build-stamp";

function newest(path: string): number {
  const stat = statSync(path);
  if (!stat.isDirectory()) return stat.mtimeMs;
  let latest = stat.mtimeMs;
  for (const entry of readdirSync(path)) latest = Math.max(latest, newest(join(path, entry)));
  return latest;
}

function builtAt(pkg: string): number {
  try {
    return statSync(join(pkg, "dist", stampName)).mtimeMs;
  } catch {
    return 0;
  }
}

const stale = packages.some((pkg) => {
  const sources = Math.max(
    newest(join(pkg, "src")),
    newest(join(pkg, "package.json")),
    newest(join(pkg, "tsconfig.build.json")),
  );
  return sources > builtAt(pkg);
});
if (stale) {
  console.error("gatehouse: building the packages (sources changed since the last build)");
  const build = spawnSync("npm", ["run", "build", "--workspaces", "--silent"], {
    stdio: "inherit",
  });
  if (build.status !== 0) process.exit(build.status ?? 1);
  for (const pkg of packages) {
    writeFileSync(join(pkg, "dist", stampName), `${new Date().toISOString()}\n`);
  }
}

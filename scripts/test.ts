// `npm test`: every test file under node's test runner, with the coverage gate (95 % of lines,
// 90 % of branches over packages/*/src). Tests that need PostgreSQL or Chromium skip, one line per
// suite, on a machine without them; the PostgreSQL adapter is exercised only by its own suites, so
// when PostgreSQL is absent it is left out of the coverage measurement too, and this says so in one
// line before the run. With CI=true nothing is probed or left out: those suites fail instead of
// skipping, and all the code counts. Extra arguments (`npm test -- --test-name-pattern=…`) go to
// node before the file patterns. Node's own output, summary and exit code are passed through.
import { spawn } from "node:child_process";
import { chromiumMissingReason } from "../test/fixtures/chromium-executable.ts";
import { postgresUnreachableReason } from "../test/fixtures/postgres-database.ts";

/** The code only the PostgreSQL suites exercise: the adapter's folder. */
const postgresAdapter = "packages/service/src/storage/postgres/**";

const coverage = [
  "--experimental-test-coverage",
  "--test-coverage-include=packages/*/src/**",
  "--test-coverage-exclude=**/*.test.ts",
  "--test-coverage-exclude=**/*.contract.ts",
  "--test-coverage-lines=95",
  "--test-coverage-branches=90",
];

if (process.env["CI"] !== "true") {
  const postgres = await postgresUnreachableReason();
  if (postgres !== undefined) {
    coverage.push(`--test-coverage-exclude=${postgresAdapter}`);
    console.log(
      `PostgreSQL: its suites skip and ${postgresAdapter} is not measured for coverage (${postgres})`,
    );
  }
  // The browser test covers no line the other tests miss, so its skip changes no measurement.
  const chromium = chromiumMissingReason();
  if (chromium !== undefined) console.log(`Chromium: the browser test skips (${chromium})`);
}

const child = spawn(
  process.execPath,
  [
    "--test",
    "--test-concurrency=2",
    ...coverage,
    ...process.argv.slice(2),
    "packages/*/src/**/*.test.ts",
    "test/**/*.test.ts",
  ],
  { stdio: "inherit" },
);
// Ctrl-C reaches the runner directly (same process group); a SIGTERM sent to this process alone
// (a CI timeout) is passed on. Either way this process waits for the runner and exits as it did.
process.on("SIGINT", () => {});
process.on("SIGTERM", () => child.kill("SIGTERM"));
child.on("exit", (code, signal) => {
  if (signal !== null) {
    process.removeAllListeners(signal);
    process.kill(process.pid, signal);
    return;
  }
  process.exit(code ?? 1);
});

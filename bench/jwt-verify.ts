// Sign and verify cost per algorithm through the token service: `node bench/jwt-verify.ts`.
// Uncached verifies distinct tokens with the cache off; cache-hit verifies one token again and
// again (the signature check is skipped, the claim and expiry checks still run). Each figure is
// the best of several rounds, so other load on the machine inflates it as little as possible.
import { generateSigningKey, toTokenKey } from "gatehouse-auth-core/keys/key-material";
import type { SigningAlgorithm } from "gatehouse-auth-core/keys/signing-keys";
import { createScopeCatalogue, seedScopeDescriptions } from "gatehouse-auth-core/scopes";
import { createTokenService } from "gatehouse-auth-core/tokens/tokens";

const scopes = createScopeCatalogue(seedScopeDescriptions);
const clock = { now: () => Date.now() };
const iterations = Number(process.env["BENCH_ITERATIONS"] ?? 5000);
const rounds = Number(process.env["BENCH_ROUNDS"] ?? 5);

function microseconds(run: (index: number) => void, count: number): number {
  for (let i = 0; i < Math.min(500, count); i++) run(i);
  let best = Number.POSITIVE_INFINITY;
  for (let round = 0; round < rounds; round++) {
    const started = process.hrtime.bigint();
    for (let i = 0; i < count; i++) run(i);
    best = Math.min(best, Number(process.hrtime.bigint() - started) / 1000 / count);
  }
  return best;
}

const rows: string[][] = [
  ["algorithm", "sign µs", "verify µs (uncached)", "verify µs (cache hit)"],
];
for (const algorithm of ["HS256", "EdDSA", "ES256"] satisfies SigningAlgorithm[]) {
  const key = toTokenKey(generateSigningKey(algorithm, Date.now()));
  const uncached = createTokenService({ key, scopes, clock, cacheSize: 0 });
  const cached = createTokenService({ key, scopes, clock, cacheSize: 1000 });
  const granted = scopes.check(["me", "items"]);
  const tokens = Array.from({ length: iterations }, () => uncached.issue("johndoe", granted).token);
  const one = tokens[0] ?? "";
  const sign = microseconds(() => uncached.issue("johndoe", granted), iterations);
  const verify = microseconds((i) => uncached.verify(tokens[i % tokens.length] ?? ""), iterations);
  const hit = microseconds(() => cached.verify(one), iterations);
  rows.push([algorithm, sign.toFixed(1), verify.toFixed(1), hit.toFixed(1)]);
}

const widths = rows[0]?.map((_, c) => Math.max(...rows.map((row) => (row[c] ?? "").length))) ?? [];
for (const row of rows) console.log(row.map((cell, c) => cell.padEnd(widths[c] ?? 0)).join("  "));
console.log(
  `\nbest of ${rounds} rounds of ${iterations}, Node ${process.version}, ${process.arch}`,
);

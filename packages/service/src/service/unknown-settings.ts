// Spotting GATEHOUSE_* variables that are no setting — usually a typo that would silently leave
// the default in force — and naming the nearest real one.
import { knownSettingNames } from "./config.ts";

/** GATEHOUSE_* names read by the test suite and the examples, not by the service. */
const foreignNames = new Set(["GATEHOUSE_TEST_DATABASE_URL", "GATEHOUSE_URL"]);

/** A GATEHOUSE_* variable that is not a setting, and the known name nearest to it. */
export interface UnknownSetting {
  readonly name: string;
  readonly nearest: string;
}

/**
 * The GATEHOUSE_* variables of `env` that no setting reads, in name order, each with the known
 * setting nearest to it by edit distance (a typo's likely meaning).
 */
export function findUnknownSettings(
  env: Readonly<Record<string, string | undefined>>,
  known: readonly string[] = knownSettingNames,
): UnknownSetting[] {
  const names = new Set(known);
  const candidates = known.filter((name) => name.startsWith("GATEHOUSE_"));
  return Object.keys(env)
    .filter((name) => name.startsWith("GATEHOUSE_") && !names.has(name) && !foreignNames.has(name))
    .sort()
    .map((name) => ({ name, nearest: nearestName(name, candidates) }));
}

/** The warning for one unknown setting, in one line. */
export function describeUnknownSetting(setting: UnknownSetting): string {
  return `${setting.name} is not a Gatehouse setting and is ignored; did you mean ${setting.nearest}?`;
}

function nearestName(name: string, candidates: readonly string[]): string {
  let best = candidates[0] ?? "";
  let bestDistance = Number.POSITIVE_INFINITY;
  for (const candidate of candidates) {
    const distance = editDistance(name, candidate);
    if (distance < bestDistance) {
      best = candidate;
      bestDistance = distance;
    }
  }
  return best;
}

/** Levenshtein distance: the fewest insertions, deletions and substitutions from `a` to `b`. */
function editDistance(a: string, b: string): number {
  let previous = Array.from({ length: b.length + 1 }, (_, j) => j);
  for (let i = 1; i <= a.length; i++) {
    const current = [i];
    for (let j = 1; j <= b.length; j++) {
      const substitution = (previous[j - 1] ?? 0) + (a[i - 1] === b[j - 1] ? 0 : 1);
      current.push(Math.min((previous[j] ?? 0) + 1, (current[j - 1] ?? 0) + 1, substitution));
    }
    previous = current;
  }
  return previous[b.length] ?? 0;
}

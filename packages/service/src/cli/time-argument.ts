// Reading a point in time from the command line: `1h`, `30m`, `7d` ago, or an ISO 8601 date.
import { UsageError } from "./arguments.ts";

const units = { s: 1000, m: 60_000, h: 3_600_000, d: 86_400_000, w: 604_800_000 } as const;
const relative = /^(\d{1,6})([smhdw])$/;
const isoDate = /^\d{4}-\d{2}-\d{2}(?:T[\d:.]+(?:Z|[+-]\d{2}:\d{2})?)?$/;

/**
 * Turns `text` into milliseconds since the epoch: a duration (`90s`, `15m`, `1h`, `7d`, `2w`)
 * counts back from `now`; anything else must be an ISO 8601 date or date-time.
 * @throws {UsageError} for anything else
 */
export function parseTimeArgument(flag: string, text: string, now: number): number {
  const found = relative.exec(text);
  if (found?.[1] !== undefined && found[2] !== undefined) {
    return now - Number(found[1]) * units[found[2] as keyof typeof units];
  }
  const at = isoDate.test(text) ? Date.parse(text) : Number.NaN;
  if (Number.isNaN(at)) {
    throw new UsageError(`--${flag} takes a duration such as 1h or 7d, or an ISO 8601 date`);
  }
  return at;
}

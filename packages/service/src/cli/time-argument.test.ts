import assert from "node:assert/strict";
import { describe, it } from "node:test";
import { UsageError } from "./arguments.ts";
import { parseTimeArgument } from "./time-argument.ts";

const now = Date.UTC(2026, 0, 2);

describe("parseTimeArgument", () => {
  it("counts a duration back from now in each unit", () => {
    assert.equal(parseTimeArgument("since", "90s", now), now - 90_000);
    assert.equal(parseTimeArgument("since", "15m", now), now - 900_000);
    assert.equal(parseTimeArgument("since", "1h", now), now - 3_600_000);
    assert.equal(parseTimeArgument("since", "1d", now), now - 86_400_000);
    assert.equal(parseTimeArgument("since", "1w", now), now - 604_800_000);
  });

  it("reads an ISO date or date-time", () => {
    assert.equal(parseTimeArgument("since", "2026-01-01", now), Date.UTC(2026, 0, 1));
    assert.equal(
      parseTimeArgument("since", "2026-01-01T12:00:00+02:00", now),
      Date.UTC(2026, 0, 1, 10),
    );
  });

  it("refuses anything else with a usage error", () => {
    for (const text of ["yesterday", "1y", "2026-13-45", ""]) {
      assert.throws(() => parseTimeArgument("since", text, now), UsageError);
    }
  });
});

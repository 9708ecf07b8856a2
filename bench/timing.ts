// The timing ratio of failed logins: does an unknown username answer as fast as a wrong password?
// Samples of each case are interleaved, so drift in machine load hits every case alike.

import { median } from "./rounds.ts";

/** One kind of failed login and the form body that produces it. */
interface TimingCase {
  readonly name: string;
  readonly body: (sample: number) => string;
}

// Throttled requests join this list once login throttling lands, e.g.
// { name: "throttled", body: … } measured after the limit is reached.
const timingCases: readonly TimingCase[] = [
  { name: "unknown user", body: () => "username=nobody&password=wrong" },
  { name: "wrong password", body: () => "username=johndoe&password=wrong" },
  { name: "inactive user, wrong password", body: () => "username=alice&password=wrong" },
];

/** The median time of one case. */
interface CaseTiming {
  readonly name: string;
  readonly medianMs: number;
}

/** What {@link measureTiming} found. */
export interface TimingSummary {
  readonly samplesPerCase: number;
  readonly cases: readonly CaseTiming[];
  /** Median of "unknown user" ÷ median of "wrong password". */
  readonly ratio: number;
  /** Answers other than the expected 400. */
  readonly unexpected: number;
}

/** Times `samples` sequential logins of each case against `url`, interleaved. */
export async function measureTiming(url: string, samples: number): Promise<TimingSummary> {
  const times = timingCases.map(() => [] as number[]);
  let unexpected = 0;
  for (let sample = 0; sample < samples; sample++) {
    for (const [index, timingCase] of timingCases.entries()) {
      const started = performance.now();
      const response = await fetch(`${url}/token`, {
        method: "POST",
        headers: { "content-type": "application/x-www-form-urlencoded" },
        body: timingCase.body(sample),
      });
      await response.arrayBuffer();
      times[index]?.push(performance.now() - started);
      if (response.status !== 400) unexpected++;
    }
  }
  const cases = timingCases.map((c, index) => ({
    name: c.name,
    medianMs: median(times[index] ?? []),
  }));
  const [unknown, wrong] = cases;
  return {
    samplesPerCase: samples,
    cases,
    ratio: (unknown?.medianMs ?? Number.NaN) / (wrong?.medianMs ?? Number.NaN),
    unexpected,
  };
}

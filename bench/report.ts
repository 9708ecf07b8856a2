// Formatting bench results: a console table and the committed Markdown file.

/** One target's outcome. */
export interface TargetResult {
  readonly id: string;
  readonly name: string;
  readonly measured: string;
  readonly goal: string;
  readonly verdict: "PASS" | "MISS" | "n/a";
}

/** Everything one bench run produced. */
export interface BenchResults {
  readonly date: string;
  readonly command: string;
  readonly machine: {
    readonly nproc: string;
    readonly cpuModel: string;
    readonly memoryGiB: number;
    readonly node: string;
  };
  readonly pinning: string;
  readonly loadAverage: { readonly before: readonly number[]; readonly after: readonly number[] };
  readonly note: string;
  /** Figures that decide no target but explain the ones that do. */
  readonly observations: readonly string[];
  readonly settings: Readonly<Record<string, string | number>>;
  readonly targets: readonly TargetResult[];
  readonly raw: Readonly<Record<string, unknown>>;
}

/** The targets as a fixed-width table for the terminal. */
export function formatTable(results: BenchResults): string {
  const rows = results.targets.map((t) => [t.verdict, t.id, t.name, t.goal, t.measured]);
  const header = ["", "#", "target", "goal", "measured"];
  const widths = header.map((h, i) =>
    Math.max(h.length, ...rows.map((row) => (row[i] ?? "").length)),
  );
  const line = (cells: readonly string[]): string =>
    cells
      .map((cell, i) => (i === cells.length - 1 ? cell : cell.padEnd(widths[i] ?? 0)))
      .join("  ");
  return [line(header), ...rows.map(line), "", ...results.observations].join("\n");
}

function otherLoad(results: BenchResults): string {
  const before = results.loadAverage.before[0] ?? 0;
  return before >= 0.5
    ? `Other load was present on the machine (1-minute load average ${before.toFixed(2)} when the run started); the ratios are measured within the run for this reason.`
    : `The machine was otherwise quiet (1-minute load average ${before.toFixed(2)} when the run started).`;
}

/** The results file committed under `bench/results/`. */
export function formatMarkdown(results: BenchResults): string {
  const { machine } = results;
  const rows = results.targets.map(
    (t) => `| ${t.id} | ${t.name} | ${t.goal} | ${t.measured} | **${t.verdict}** |`,
  );
  return `# Benchmark results, ${results.date.slice(0, 10)}

Command: \`${results.command}\` (started ${results.date})

Machine: ${machine.nproc} cores (\`nproc\`), ${machine.cpuModel}, ${machine.memoryGiB} GiB memory, Node ${machine.node}.
Pinning: ${results.pinning}.
${otherLoad(results)}${results.note === "" ? "" : `\n\nNote: ${results.note}`}

| # | target | goal | measured | verdict |
| --- | --- | --- | --- | --- |
${rows.join("\n")}
${results.observations.map((o) => `\n${o}`).join("\n")}

Settings: ${Object.entries(results.settings)
    .map(([k, v]) => `${k} ${v}`)
    .join(", ")}. The full figures are in the JSON file beside this one.
`;
}

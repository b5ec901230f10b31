// The benchmark's tables and ratios against the targets of issue 14, as Markdown for the terminal and BENCHMARKS.md.
import { execFileSync } from "node:child_process";
import { readFile, writeFile } from "node:fs/promises";
import os from "node:os";
import type { Measurement } from "./measure.js";
import type { ScenarioRole } from "./scenarios.js";

export interface Result {
  role: ScenarioRole;
  source: string;
  n: number;
  run: Measurement;
  /** CPU seconds the PBX emulator spent during the scenario: work that competes for the same cores. */
  emulatorCpuS: number;
  /** Why the scenario failed, or null. */
  problem: string | null;
  /** Slow PBX rows: the PBX's own time for the batches sent, at the job's concurrency, in seconds. */
  pbxS?: number;
}

interface Ratio {
  label: string;
  n: string;
  value: number;
  /** The ratio must be at most this. */
  target: number;
  unit?: string;
}

const SYNC_ROLES: readonly ScenarioRole[] = ["first sync", "no-change sync", "1% changed"];
/**
 * Issue 14's targets, stated for 1,000,000 contacts on a 2-core machine. A CSV sync is measured against papaparse
 * streaming the file (parse-only); a MariaDB or REST sync against its own floor, one streamed SELECT of the table or
 * a fetch of every page, with more room (a database's rows or an API's pages cost more per record to take apart).
 */
export const TARGETS = { firstCpuOverNaiveCpu: 3.0, peakRssMb: 180, rssGrowth: 1.3, timeGrowthPerTenfold: 11 } as const;
const OVER_FLOOR: Readonly<Record<string, { noChange: number; changed: number }>> = {
  csv: { noChange: 1.5, changed: 2.0 },
  mariadb: { noChange: 2.0, changed: 2.5 },
  rest: { noChange: 2.0, changed: 2.5 },
};

/** Issue 14: a first sync against a slow PBX takes at most this much longer than the PBX's own time at the job's concurrency. */
export const SLOW_PBX_TARGET = 1.1;

const fixed = (value: number, digits: number): string => (Number.isFinite(value) ? value.toFixed(digits) : "n/a");
const count = (n: number): string => n.toLocaleString("en-US");

export function resultsTable(results: readonly Result[]): string {
  const lines = ["| scenario | source | N | wall s | CPU s | peak RSS MB | emulator CPU s | result |", "|---|---|--:|--:|--:|--:|--:|---|"];
  for (const { role, source, n, run, emulatorCpuS, problem } of results) {
    lines.push(`| ${role} | ${source} | ${count(n)} | ${fixed(run.wallS, 2)} | ${fixed(run.cpuS, 2)} | ${fixed(run.peakRssMb, 0)} | ${fixed(emulatorCpuS, 2)} | ${problem === null ? "ok" : `FAILED: ${problem.replace(/\|/g, "\\|").replace(/\n/g, " ")}`} |`);
  }
  return lines.join("\n");
}

function find(results: readonly Result[], source: string, n: number, role: ScenarioRole): Measurement | undefined {
  return results.find((result) => result.source === source && result.n === n && result.role === role && result.problem === null)?.run;
}

function ratiosFor(results: readonly Result[], source: string, sizes: readonly number[]): Ratio[] {
  const ratios: Ratio[] = [];
  const wall = (n: number, role: ScenarioRole): number => find(results, source, n, role)?.wallS ?? Number.NaN;
  const rss = (n: number, role: ScenarioRole): number => find(results, source, n, role)?.peakRssMb ?? Number.NaN;
  const cpu = (n: number, role: ScenarioRole): number => find(results, source, n, role)?.cpuS ?? Number.NaN;
  const floor = OVER_FLOOR[source] ?? { noChange: Number.NaN, changed: Number.NaN };
  for (const n of sizes) {
    const at = count(n);
    if (source === "csv") ratios.push({ label: "first sync: worker CPU / naive script CPU", n: at, value: cpu(n, "first sync") / cpu(n, "naive"), target: TARGETS.firstCpuOverNaiveCpu });
    ratios.push({ label: "no-change / parse-only (wall)", n: at, value: wall(n, "no-change sync") / wall(n, "parse-only"), target: floor.noChange });
    ratios.push({ label: "1% changed / parse-only (wall)", n: at, value: wall(n, "1% changed") / wall(n, "parse-only"), target: floor.changed });
    const measured = [...SYNC_ROLES, "first sync, slow PBX" as const].map((role) => rss(n, role)).filter(Number.isFinite);
    ratios.push({ label: "peak RSS of the syncs", n: at, value: measured.length > 0 ? Math.max(...measured) : Number.NaN, target: TARGETS.peakRssMb, unit: " MB" });
  }
  ratios.push(...slowPbxRatios(results, source, sizes));
  const small = Math.min(...sizes);
  const large = Math.max(...sizes);
  if (large > small) {
    const span = `${count(large)} / ${count(small)}`;
    // 11 for a tenfold source: linear growth with 10% to spare, scaled to the sizes actually run.
    const timeTarget = (TARGETS.timeGrowthPerTenfold / 10) * (large / small);
    for (const role of SYNC_ROLES) {
      ratios.push({ label: `time growth, ${role} (wall)`, n: span, value: wall(large, role) / wall(small, role), target: timeTarget });
      ratios.push({ label: `RSS growth, ${role}`, n: span, value: rss(large, role) / rss(small, role), target: TARGETS.rssGrowth });
    }
  }
  return ratios;
}

/** The slow PBX rows' wall time over the PBX's own time, at each N they ran at. */
function slowPbxRatios(results: readonly Result[], source: string, sizes: readonly number[]): Ratio[] {
  return sizes.flatMap((n) => {
    const slow = results.find((result) => result.source === source && result.n === n && result.role === "first sync, slow PBX");
    if (slow?.pbxS === undefined) return [];
    const value = slow.problem === null && slow.pbxS > 0 ? slow.run.wallS / slow.pbxS : Number.NaN;
    return [{ label: "first sync, slow PBX / PBX time at concurrency", n: count(n), value, target: SLOW_PBX_TARGET }];
  });
}

export function ratiosTable(results: readonly Result[]): string {
  const lines = ["| ratio | N | measured | target | verdict |", "|---|--:|--:|--:|---|"];
  for (const source of new Set(results.map((result) => result.source))) {
    const sizes = [...new Set(results.filter((result) => result.source === source).map((result) => result.n))].sort((a, b) => a - b);
    for (const ratio of ratiosFor(results, source, sizes)) {
      const unit = ratio.unit ?? "";
      const verdict = !Number.isFinite(ratio.value) ? "n/a" : ratio.value <= ratio.target ? "PASS" : `MISS by ${fixed((ratio.value / ratio.target - 1) * 100, 0)}%`;
      const label = source === "csv" ? ratio.label : `${ratio.label} [${source}]`;
      lines.push(`| ${label} | ${ratio.n} | ${fixed(ratio.value, ratio.unit ? 0 : 2)}${unit} | ≤ ${fixed(ratio.target, ratio.unit ? 0 : 2)}${unit} | ${verdict} |`);
    }
  }
  return lines.join("\n");
}

/** The 1-minute load average: other work on the machine slows the wall times of a run. */
export function loadLine(): string {
  return (os.loadavg()[0] ?? 0).toFixed(2);
}

export function machineLine(): string {
  const cpu = os.cpus()[0]?.model.trim() ?? "unknown CPU";
  const memory = Math.round(os.totalmem() / 2 ** 30);
  // Every measured process inherits NODE_OPTIONS (a smaller young generation changes peak RSS by tens of MB).
  const nodeOptions = process.env["NODE_OPTIONS"]?.trim();
  const options = nodeOptions ? ` with NODE_OPTIONS=${nodeOptions}` : "";
  return `${os.availableParallelism()} CPUs (${cpu}), ${memory} GiB RAM, ${os.type()} ${os.release()}, Node ${process.version}${options}`;
}

/** The commit measured, and whether the working tree differed from it (bench/ and the report aside). */
export function revisionLine(root: string): string {
  try {
    const git = (...args: string[]): string => execFileSync("git", args, { cwd: root, encoding: "utf8", stdio: ["ignore", "pipe", "ignore"] }).trim();
    const changed = git("status", "--porcelain", "--untracked-files=no", "--", ".", ":!bench", ":!BENCHMARKS.md");
    return `commit ${git("rev-parse", "--short", "HEAD")}${changed ? " with uncommitted changes" : ""}`;
  } catch {
    return "commit unknown (no git)";
  }
}

/**
 * Puts `body` between the two marks of a section in `file` (a heading and the marks are appended when missing),
 * so that a benchmark rewrites its own figures and leaves the rest of the file, hand-written notes included.
 */
export async function writeMarkedSection(file: string, heading: string, mark: string, body: string): Promise<void> {
  const begin = `<!-- ${mark}: written by npm run bench; write notes outside these marks -->`;
  const end = `<!-- /${mark} -->`;
  const text = await readFile(file, "utf8").catch(() => "");
  const from = text.indexOf(begin);
  const to = text.indexOf(end, from);
  const marked = `${begin}\n${body}\n${end}`;
  if (from >= 0 && to > from) await writeFile(file, `${text.slice(0, from)}${marked}${text.slice(to + end.length)}`);
  else await writeFile(file, `${text.trimEnd()}\n\n${heading}\n\n${marked}\n`);
}

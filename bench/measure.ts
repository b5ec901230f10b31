// Runs one command in its own node process and measures it: wall time here, CPU time and peak RSS in the child.
import { spawn } from "node:child_process";
import { once } from "node:events";
import { open, readFile, rm } from "node:fs/promises";
import path from "node:path";
import { pathToFileURL } from "node:url";
import type { UsageRecord } from "./usage-preload.js";

export interface Command {
  /** Arguments to node after the preload: a script and its arguments. */
  args: readonly string[];
  env?: Readonly<Record<string, string>>;
  cwd?: string;
}

export interface Measurement {
  wallS: number;
  cpuS: number;
  peakRssMb: number;
  exitCode: number | null;
  signal: NodeJS.Signals | null;
  /** Everything the process printed (stdout and stderr together). */
  output: string;
}

const PRELOAD = pathToFileURL(path.join(import.meta.dirname, "usage-preload.js")).href;

/** `name` names the log and usage files in `dir`. */
export async function measure(command: Command, dir: string, name: string): Promise<Measurement> {
  const logFile = path.join(dir, `${name}.log`);
  const usageFile = path.join(dir, `${name}.usage.json`);
  await rm(usageFile, { force: true });
  const log = await open(logFile, "w");
  const started = process.hrtime.bigint();
  let exitCode: number | null;
  let signal: NodeJS.Signals | null;
  try {
    const child = spawn(process.execPath, ["--import", PRELOAD, ...command.args], {
      cwd: command.cwd ?? dir,
      env: { ...process.env, ...command.env, BENCH_USAGE_FILE: usageFile },
      stdio: ["ignore", log.fd, log.fd],
    });
    [exitCode, signal] = (await once(child, "exit")) as [number | null, NodeJS.Signals | null];
  } finally {
    await log.close();
  }
  const wallS = Number(process.hrtime.bigint() - started) / 1e9;
  const output = await readFile(logFile, "utf8");
  const usage = await readUsage(usageFile);
  return {
    wallS,
    cpuS: usage ? (usage.userMicros + usage.systemMicros) / 1e6 : Number.NaN,
    peakRssMb: usage ? usage.maxRssKb / 1024 : Number.NaN,
    exitCode,
    signal,
    output,
  };
}

async function readUsage(file: string): Promise<UsageRecord | undefined> {
  try {
    return JSON.parse(await readFile(file, "utf8")) as UsageRecord;
  } catch {
    return undefined; // killed before its exit handler ran: the caller reports the scenario as failed
  }
}

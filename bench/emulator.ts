// The PBX emulator in a process of its own (in memory), so its work and memory stay apart from the worker's.
import { execFileSync, spawn, type ChildProcess } from "node:child_process";
import { once } from "node:events";
import { readFileSync } from "node:fs";
import type { Latency } from "../src/emulator/latency.js";
import type { StoredContact } from "../src/emulator/types.js";

export interface EmulatorProcess {
  /** The seri_endpoint.php URL, without the token. */
  url: string;
  token: string;
  pid: number | undefined;
  /** latencyTotalMs: the holds a --latency set so far (the PBX's own time, one request after another). */
  stats(): Promise<{ contacts: number; requests: number; latencyTotalMs: number }>;
  /** Every stored contact: one JSON document, so only for sources of moderate size. */
  contacts(): Promise<StoredContact[]>;
  /** CPU seconds (user + system) the emulator has used so far; NaN where /proc is not there (not Linux). */
  cpuSeconds(): number;
  stop(): Promise<void>;
}

const READY = /listening on (http:\/\/\S+)/;
const START_TIMEOUT_MS = 20_000;

/** `latency`: a slow PBX (`--latency`), for the rows that measure a sync bound by the PBX. */
export async function startEmulatorProcess(cli: string, token: string, latency?: Latency): Promise<EmulatorProcess> {
  const slow = latency ? ["--latency", `${latency.baseMs}+${latency.perContactMs}`] : [];
  const child = spawn(process.execPath, [cli, "emulator", "--port", "0", ...slow], {
    env: { ...process.env, VOISPEED_TOKEN: token },
    stdio: ["ignore", "pipe", "pipe"],
  });
  const url = await waitForUrl(child);
  const admin = async <T>(route: string): Promise<T> => {
    const response = await fetch(new URL(`/__emulator/${route}?token=${encodeURIComponent(token)}`, url));
    if (!response.ok) throw new Error(`emulator ${route}: HTTP ${response.status} ${await response.text()}`);
    return (await response.json()) as T;
  };
  return {
    url,
    token,
    pid: child.pid,
    stats: () => admin("stats"),
    contacts: () => admin("contacts"),
    cpuSeconds: () => (child.pid === undefined ? Number.NaN : processCpuSeconds(child.pid)),
    async stop() {
      if (child.exitCode !== null || child.signalCode !== null) return;
      const exited = once(child, "exit");
      child.kill("SIGTERM");
      const timer = setTimeout(() => child.kill("SIGKILL"), 5_000);
      await exited;
      clearTimeout(timer);
    },
  };
}

function waitForUrl(child: ChildProcess): Promise<string> {
  return new Promise((resolve, reject) => {
    let output = "";
    let ready = false;
    const timer = setTimeout(() => {
      child.kill("SIGKILL");
      reject(new Error(`the emulator did not say where it listens within ${START_TIMEOUT_MS} ms:\n${output}`));
    }, START_TIMEOUT_MS);
    const onData = (chunk: Buffer): void => {
      if (ready) return;
      output += chunk.toString();
      const match = READY.exec(output);
      if (match?.[1] === undefined) return;
      ready = true;
      clearTimeout(timer);
      child.off("exit", onExit);
      resolve(match[1]);
    };
    const onExit = (code: number | null): void => {
      clearTimeout(timer);
      reject(new Error(`the emulator exited (${code}) before it listened:\n${output}`));
    };
    // Keep reading after the start, so a chatty emulator never blocks on a full pipe.
    child.stdout?.on("data", onData);
    child.stderr?.on("data", onData);
    child.once("exit", onExit);
    child.once("error", reject);
  });
}

let clockTicks: number | undefined;

/** utime + stime of /proc/PID/stat, in seconds. */
function processCpuSeconds(pid: number): number {
  try {
    clockTicks ??= Number(execFileSync("getconf", ["CLK_TCK"], { encoding: "utf8" })) || 100;
    const stat = readFileSync(`/proc/${pid}/stat`, "utf8");
    // The fields after the command name (which may hold spaces) start with the state, field 3; utime is field 14.
    const fields = stat.slice(stat.lastIndexOf(")") + 2).split(" ");
    return (Number(fields[11]) + Number(fields[12])) / clockTicks;
  } catch {
    return Number.NaN;
  }
}

// Child processes that race for one job lock through the compiled store, round by round, on the parent's signal.
import { spawn, type ChildProcessWithoutNullStreams } from "node:child_process";
import path from "node:path";
import { createInterface } from "node:readline";
import { pathToFileURL } from "node:url";
import type { StoreOptions } from "../../src/store/index.js";
import { ROOT } from "./cli.js";

/** What one process got in one round: "won", or the error code it was refused with. */
export type RaceOutcome = string;

/**
 * Each child opens the store, says "ready", then for every line "T" on stdin releases the lock it won in the
 * round before, waits until the time T (ms since the epoch), tries the lock and prints what it got. A shared
 * start time makes the attempts land together, as two daemons started by one cron minute would. A winner holds
 * on until the next round, so however late a slow child tries, it finds the lock taken: one winner per round.
 * When stdin closes, store.close() releases a lock still held.
 */
function childScript(options: StoreOptions, job: string): string {
  const storeModule = pathToFileURL(path.join(ROOT, "dist", "src", "store", "index.js")).href;
  return `
    import { createInterface } from "node:readline";
    const { openStore } = await import(${JSON.stringify(storeModule)});
    const sleep = (ms) => new Promise((resolve) => setTimeout(resolve, Math.max(0, ms)));
    const store = await openStore(${JSON.stringify(options)});
    console.log("ready");
    let held;
    for await (const line of createInterface({ input: process.stdin })) {
      await held?.release();
      held = undefined;
      await sleep(Number(line) - Date.now());
      try {
        held = await store.acquireJobLock(${JSON.stringify(job)});
        console.log("won");
      } catch (err) {
        console.log(err.code ?? String(err));
      }
    }
    await store.close();
  `;
}

export interface LockRace {
  /** Starts a round `delayMs` from now in every process; resolves with each process's outcome. */
  round(delayMs?: number): Promise<RaceOutcome[]>;
  /** Ends the children (stdin closed) and resolves with their exit codes. */
  end(): Promise<Array<number | null>>;
}

export async function startLockRace(options: StoreOptions, job: string, processes: number): Promise<LockRace> {
  const children: ChildProcessWithoutNullStreams[] = [];
  const lines: Array<AsyncIterator<string>> = [];
  const exits: Array<Promise<number | null>> = [];
  for (let i = 0; i < processes; i++) {
    const child = spawn(process.execPath, ["--input-type=module", "-e", childScript(options, job)], { stdio: "pipe" });
    child.stderr.pipe(process.stderr);
    children.push(child);
    lines.push(createInterface({ input: child.stdout })[Symbol.asyncIterator]());
    exits.push(new Promise((resolve, reject) => child.on("error", reject).on("close", resolve)));
  }
  const next = async (i: number): Promise<string> => {
    const line = await lines[i]?.next();
    if (!line || line.done) throw new Error(`lock race child ${i} ended early`);
    return line.value;
  };
  const ready = await Promise.all(children.map((_, i) => next(i)));
  if (ready.some((line) => line !== "ready")) throw new Error(`lock race children not ready: ${ready.join(", ")}`);
  return {
    async round(delayMs = 300) {
      const at = Date.now() + delayMs;
      for (const child of children) child.stdin.write(`${at}\n`);
      return Promise.all(children.map((_, i) => next(i)));
    },
    async end() {
      for (const child of children) child.stdin.end();
      return Promise.all(exits);
    },
  };
}

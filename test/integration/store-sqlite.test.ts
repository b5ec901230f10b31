// The store suite on a real SQLite file, plus what only SQLite has: the file, its directory, WAL.
import { spawn } from "node:child_process";
import { existsSync } from "node:fs";
import { mkdir, writeFile } from "node:fs/promises";
import path from "node:path";
import { pathToFileURL } from "node:url";
import { describe, expect, it } from "vitest";
import { isSyncError } from "../../src/errors.js";
import { DEFAULT_SQLITE_FILE, openStore } from "../../src/store/index.js";
import { ROOT } from "../helpers/cli.js";
import { tempDir } from "../helpers/temp.js";
import { describeStoreSuite } from "./store-suite.js";

let counter = 0;
const dir = await tempDir("pbsync-store-");

describeStoreSuite("sqlite", {
  makeOptions: async () => ({ client: "sqlite", filename: path.join(dir, `suite-${++counter}.sqlite`) }),
  badOptions: async () => {
    const blocker = path.join(dir, `not-a-directory-${++counter}`);
    await writeFile(blocker, "a file where the store's directory should be\n");
    const filename = path.join(blocker, "data", "phonebook-sync.sqlite");
    return { options: { client: "sqlite", filename }, mentions: filename };
  },
});

describe("store on an SQLite file", () => {
  it("creates the missing directory, and the file in WAL mode", async () => {
    const filename = path.join(dir, "nested", "deeper", "phonebook-sync.sqlite");
    const store = await openStore({ client: "sqlite", filename });
    try {
      expect(existsSync(filename)).toBe(true);
      const mode = (await store.knex.raw("PRAGMA journal_mode")) as Array<{ journal_mode: string }>;
      expect(mode[0]?.journal_mode).toBe("wal");
      const timeout = (await store.knex.raw("PRAGMA busy_timeout")) as Array<{ timeout: number }>;
      expect(timeout[0]?.timeout).toBeGreaterThan(0);
      expect(store.location).toBe(filename);
    } finally {
      await store.close();
    }
  });

  it("resolves a relative file name against the base directory (the config file's)", async () => {
    const base = path.join(dir, "config-home");
    await mkdir(base, { recursive: true });
    const store = await openStore({ client: "sqlite", filename: DEFAULT_SQLITE_FILE }, { baseDir: base });
    await store.close();
    expect(existsSync(path.join(base, "data", "phonebook-sync.sqlite"))).toBe(true);
  });

  it("says there are no reports yet, and creates nothing, when a read finds no file", async () => {
    const filename = path.join(dir, "never-synced", "phonebook-sync.sqlite");
    let caught: unknown;
    try {
      await openStore({ client: "sqlite", filename }, { mustExist: true });
    } catch (err) {
      caught = err;
    }
    expect(isSyncError(caught, "STORE_FAILED")).toBe(true);
    expect((caught as Error).message).toBe(`no reports yet at ${filename} (run a sync first)`);
    expect(existsSync(path.dirname(filename))).toBe(false);
  });

  it("fails at once with STORE_FAILED for a file that is not a database", async () => {
    const filename = path.join(dir, "notes.sqlite");
    await writeFile(filename, "these are not the tables you are looking for\n".repeat(200));
    const started = Date.now();
    let caught: unknown;
    try {
      await openStore({ client: "sqlite", filename });
    } catch (err) {
      caught = err;
    }
    expect(isSyncError(caught, "STORE_FAILED")).toBe(true);
    expect((caught as Error).message).toContain(filename);
    expect((caught as Error).message).toMatch(/not a database/);
    expect(Date.now() - started).toBeLessThan(5000);
  });

  it("lets two processes write runs and results to one file at the same time", async () => {
    const filename = path.join(dir, "shared.sqlite");
    // better-sqlite3 waits for a lock synchronously, so only separate processes show real sharing.
    const writers = ["a", "b", "c"].map((job) => writeFromChildProcess(filename, job, 20, 100));
    const codes = await Promise.all(writers);
    expect(codes).toEqual([0, 0, 0]);
    const store = await openStore({ client: "sqlite", filename }, { mustExist: true });
    try {
      const runs = await store.listRuns();
      expect(runs.map((run) => run.job).sort()).toEqual(["a", "b", "c"]);
      for (const run of runs) {
        expect(run.status).toBe("success");
        const seqs: number[] = [];
        for await (const result of store.results(run.id)) seqs.push(result.seq);
        expect(seqs).toEqual(Array.from({ length: 2000 }, (_, i) => i + 1));
      }
    } finally {
      await store.close();
    }
  });
});

/** Runs the compiled store in a child process: one run of `job`, `calls` x `rows` results, then finished. */
function writeFromChildProcess(filename: string, job: string, calls: number, rows: number): Promise<number | null> {
  const storeModule = pathToFileURL(path.join(ROOT, "dist", "src", "store", "index.js")).href;
  const script = `
    const { openStore } = await import(${JSON.stringify(storeModule)});
    const store = await openStore({ client: "sqlite", filename: ${JSON.stringify(filename)} });
    const runId = await store.createRun({ job: ${JSON.stringify(job)}, appName: ${JSON.stringify(job)}, trigger: "schedule", pbx: "x" });
    for (let call = 0; call < ${calls}; call++) {
      const batch = Array.from({ length: ${rows} }, (_, i) => ({ ref: "line " + (call * ${rows} + i), appName: ${JSON.stringify(job)}, externalId: String(i), outcome: "inserted" }));
      await store.recordResults(runId, batch);
      await store.updateRunCounts(runId, { read: (call + 1) * ${rows} });
    }
    const counts = { read: ${calls * rows}, skipped: 0, invalid: 0, duplicates: 0, unchanged: 0, inserted: ${calls * rows}, updated: 0, rejected: 0, warnings: 0, errors: 0, unconfirmed: 0, deleted: 0 };
    await store.finishRun(runId, { status: "success", counts });
    await store.close();
  `;
  return new Promise((resolve, reject) => {
    const child = spawn(process.execPath, ["--input-type=module", "-e", script], { stdio: ["ignore", "inherit", "inherit"] });
    child.on("error", reject);
    child.on("close", resolve);
  });
}

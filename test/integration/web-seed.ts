// Report data for the viewer's tests: a real SQLite store filled through the Store, with hostile names on purpose,
// and the viewer served from it on 127.0.0.1, port 0.
import path from "node:path";
import { afterAll } from "vitest";
import { silentLogger, type Logger } from "../../src/logger.js";
import { COUNT_KEYS, openStore, type ContactResultInput, type RunCounts, type SqlStore } from "../../src/store/index.js";
import { createViewerApp, type ViewerAppOptions } from "../../src/web/app.js";
import { startViewerServer, type ViewerServer } from "../../src/web/server.js";
import { tempDir } from "../helpers/temp.js";

/** Names a careless page would run as markup. */
export const EVIL = {
  img: "<img src=x onerror=alert(1)>",
  script: "<script>alert(1)</script>",
  /** A job name that tries to break out of an attribute. */
  job: `crm"><script>alert(2)</script>`,
};

/** Cells a spreadsheet would run as formulas. */
export const FORMULA = { info: "=cmd|' /C calc'!A0", name: "@SUM(A1:A2)" };

export const APP = "CRM";
export const PBX_KEY = "f".repeat(40);

export interface Seeded {
  file: string;
  /** The finished run with the rows listed below. */
  big: number;
  /** A run still "running" (never finished). */
  running: number;
  /** A run of the hostile job name. */
  evilJob: number;
  /** How many rows of `big` have each outcome. */
  outcomes: Record<string, number>;
}

export function zeroCounts(): RunCounts {
  return Object.fromEntries(COUNT_KEYS.map((key) => [key, 0])) as unknown as RunCounts;
}

/**
 * The big run's rows, in recording order: the two hostile names first (inserted, updated with a before), a formula
 * row, a deletion, then 120 "Rossi n" warnings and 10 "Bianchi n" errors.
 */
export function bigRows(): ContactResultInput[] {
  const rows: ContactResultInput[] = [
    {
      ref: "line 2",
      appName: APP,
      externalId: "x-img",
      displayName: EVIL.img,
      outcome: "inserted",
      action: "insert",
      pbxId: "101",
      info: null,
      detail: { sent: { name: EVIL.img, numoffice: "+390212345678", ext_info: [{ caption: EVIL.script, value: EVIL.img }] } },
    },
    {
      ref: "line 3",
      appName: APP,
      externalId: "x-script",
      displayName: EVIL.script,
      outcome: "updated",
      action: "update",
      pbxId: "102",
      info: EVIL.img,
      detail: { sent: { name: EVIL.script, company: "New Co" }, before: { name: "<b>old</b>", company: null } },
    },
    { ref: "line 4", appName: APP, externalId: "+390299", displayName: FORMULA.name, outcome: "rejected", info: FORMULA.info },
    { ref: null, appName: APP, externalId: "gone-1", displayName: "Verdi Gone", outcome: "deleted", action: "delete", pbxId: "103", detail: { sent: { name: "Verdi", numhome: "+39061234567" } } },
  ];
  for (let i = 1; i <= 120; i++) {
    rows.push({ ref: `line ${10 + i}`, appName: APP, externalId: `w-${String(i).padStart(3, "0")}`, displayName: `Rossi ${i}`, outcome: "warning", action: "insert", pbxId: String(1000 + i), info: `numoffice: "n/a ${i}" is not a phone number; left empty` });
  }
  for (let i = 1; i <= 10; i++) {
    rows.push({ ref: `line ${200 + i}`, appName: APP, externalId: `e-${i}`, displayName: `Bianchi ${i}`, outcome: "error", info: "the PBX did not answer" });
  }
  return rows;
}

export async function seedViewerStore(): Promise<Seeded> {
  const dir = await tempDir("pbsync-web-");
  const file = path.join(dir, "reports.sqlite");
  const store = await openStore({ client: "sqlite", filename: file });
  try {
    const pbx = "https://pbx.example/PBX/seri_endpoint.php";
    const big = await store.createRun({ job: "crm", appName: APP, trigger: "schedule", pbx });
    const rows = bigRows();
    await store.recordResults(big, rows, {
      scope: { pbxKey: PBX_KEY, appName: APP },
      upserts: [
        { externalId: "x-img", pbxId: "101", contactHash: "h1", sourceHash: "s1", displayName: EVIL.img, sent: { name: EVIL.img, numoffice: "+390212345678" } },
        { externalId: "x-script", pbxId: "102", contactHash: "h2", sourceHash: "s2", displayName: EVIL.script, sent: { name: EVIL.script, company: "New Co" } },
      ],
    });
    const outcomes: Record<string, number> = {};
    for (const row of rows) outcomes[row.outcome] = (outcomes[row.outcome] ?? 0) + 1;
    await store.finishRun(big, {
      status: "partial",
      counts: { ...zeroCounts(), read: 140, inserted: 1, updated: 1, warnings: 120, rejected: 1, errors: 10, deleted: 1, unchanged: 6, kept: 2 },
      error: "deletion guard: 3 deletions of 140 contacts is more than maxDeleteRatio 0.01 allows; 2 kept",
    });
    const running = await store.createRun({ job: "crm", appName: APP, trigger: "cli", pbx });
    await store.recordResults(running, [{ ref: "line 2", appName: APP, externalId: "x-img", displayName: EVIL.img, outcome: "updated", action: "update", pbxId: "101" }]);
    const evilJob = await store.createRun({ job: EVIL.job, appName: EVIL.img, trigger: "cli", pbx, dryRun: true });
    await store.recordResults(evilJob, [{ ref: EVIL.script, appName: EVIL.img, externalId: EVIL.script, displayName: EVIL.img, outcome: "inserted" }]);
    await store.finishRun(evilJob, { status: "success", counts: { ...zeroCounts(), read: 1, inserted: 1 } });
    return { file, big, running, evilJob, outcomes };
  } finally {
    await store.close();
  }
}

export interface ServedViewer {
  base: string;
  store: SqlStore;
  server: ViewerServer;
}

/** The viewer on 127.0.0.1:0 over the seeded file (its own store connection), closed after the test file. */
export async function serveViewer(file: string, options: Partial<Omit<ViewerAppOptions, "store">> & { logger?: Logger } = {}): Promise<ServedViewer> {
  const store = await openStore({ client: "sqlite", filename: file });
  const app = createViewerApp({ store, auth: null, logger: silentLogger, ...options });
  const server = await startViewerServer(app, { host: "127.0.0.1", port: 0 });
  afterAll(async () => {
    await server.close();
    await store.close();
  });
  return { base: server.url, store, server };
}

/** The text of a GET, with its status and headers. */
export async function get(url: string, init: RequestInit = {}): Promise<{ status: number; headers: Headers; text: string }> {
  const response = await fetch(url, init);
  return { status: response.status, headers: response.headers, text: await response.text() };
}

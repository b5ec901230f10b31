// The work behind `phonebook-sync demo`, loaded only when it runs: --help and --version never load it.
import { mkdir } from "node:fs/promises";
import path from "node:path";
import { loadConfig } from "../config/index.js";
import { createLogger } from "../logger.js";
import { openStore, type Outcome } from "../store/index.js";
import type { DemoFlags } from "./demo.js";
import { displayPath } from "./display-path.js";
import { EXIT, type ExitCode } from "./exit.js";
import { packageRoot } from "./package-root.js";
import { textPlan } from "./plan-output.js";
import { createProgressRenderer } from "./progress.js";
import { runSync } from "./sync-runner.js";

const ATTENTION: readonly Outcome[] = ["invalid", "duplicate", "skipped", "rejected", "warning", "error", "unconfirmed"];

/** Syncs examples/ into the embedded emulator, then prints the contacts that need a look and how to read the report. */
export async function demoAction(flags: DemoFlags): Promise<ExitCode> {
  const root = packageRoot();
  const config = await loadConfig(path.join(root, "examples", "demo.yaml"), {
    env: { ...process.env, VOISPEED_TOKEN: process.env["VOISPEED_TOKEN"] ?? "demo-token" },
  });
  const dataDir = path.resolve(flags.data);
  await mkdir(dataDir, { recursive: true });
  config.store = { client: "sqlite", filename: path.join(dataDir, "phonebook-sync.sqlite") };
  config.pbx.embedded = { ...config.pbx.embedded, dbFile: path.join(dataDir, "demo-pbx.sqlite") };
  const out = process.stdout;
  const storeArg = displayPath(config.store.filename);
  out.write(`Syncing ${displayPath(path.join(root, "examples", "contacts.csv"))} into the embedded PBX emulator...\n`);
  const [summary] = await runSync(config, {
    trigger: "demo",
    logger: createLogger({ level: "warn" }),
    progress: () => createProgressRenderer(),
    ...(flags.dryRun ? { dryRun: true, plan: () => textPlan(process.stdout) } : {}),
    ...(flags.full ? { full: true } : {}),
    reportHint: (runId) => `phonebook-sync reports show ${runId} --store ${storeArg}`,
  });
  if (!summary || summary.runId === null) return EXIT.success;
  const store = await openStore(config.store);
  try {
    const rows = [];
    for await (const row of store.results(summary.runId, { outcomes: ATTENTION, limit: 12 })) rows.push(row);
    if (rows.length > 0) {
      out.write("\nContacts that need a look (the example file has a few bad rows on purpose):\n");
      for (const row of rows) {
        const who = row.displayName || row.externalId || "";
        out.write(`  ${(row.ref ?? "").padEnd(9)} ${row.outcome.padEnd(10)} ${who ? `${who}: ` : ""}${row.info ?? ""}\n`);
      }
    }
  } finally {
    await store.close();
  }
  out.write(
    `\nReport database: ${config.store.filename}\n` +
      `  phonebook-sync reports show ${summary.runId} --store ${storeArg}\n` +
      `  phonebook-sync reports export ${summary.runId} --format csv --store ${storeArg} > report.csv\n` +
      "Run `npm start` again: nothing changed, so nothing is sent. Edit or delete a row in examples/contacts.csv\n" +
      "and only that contact is pushed or deleted (`npm start -- --dry-run` shows the plan first;\n" +
      "`npm start -- --full` pushes every contact again, as updates, never duplicates).\n",
  );
  // The example has bad rows on purpose: a partial run is the expected demo.
  return summary.status === "failed" ? EXIT.failed : EXIT.success;
}

// The rows of a MariaDB source: the same contacts as the CSV in a table, read by the SQL connector. Its floor is
// one streamed SELECT of the table (no "naive" row: a script reading a database would do the same as the CSV one).
import { writeFile } from "node:fs/promises";
import path from "node:path";
import { applyEdits, BENCH_TABLE, loadContacts } from "./source/mariadb.js";
import { csvOf, expectRows, prepareCsv, syncScenarios, type RunContext, type ScenarioRole, type SourceGroup } from "./scenarios.js";

export const MARIADB_APP_NAME = "BENCH_SQL";

function databaseOf(ctx: RunContext): NonNullable<RunContext["mariadb"]> {
  if (!ctx.mariadb) throw new Error("no MariaDB server for the mariadb rows");
  return ctx.mariadb;
}

function urlOf(ctx: RunContext): string {
  const { server } = databaseOf(ctx);
  return `mysql://${encodeURIComponent(server.user)}:${encodeURIComponent(server.password)}@${server.host}:${server.port}/${server.database}`;
}

/** Loads the table once per N (untimed), rewrites it to the edited variant before "1% changed", writes the config. */
async function prepareTable(ctx: RunContext, role: ScenarioRole | "parse-only"): Promise<void> {
  await prepareCsv(ctx);
  const db = databaseOf(ctx);
  if (!db.loaded) {
    await loadContacts(db.server, ctx.n);
    db.loaded = true;
    db.edited = false;
  }
  if (role === "1% changed" && !db.edited) {
    await applyEdits(db.server, ctx.n);
    db.edited = true;
  }
  const { server } = db;
  const mapping = path.join(ctx.root, "bench", "mapping.yaml");
  await writeFile(
    path.join(ctx.dir, "mariadb.yaml"),
    `pbx:
  url: ${JSON.stringify(ctx.emulator.url)}
  token: \${VOISPEED_TOKEN}
store: { client: sqlite, filename: ./store-mariadb.sqlite }
jobs:
  - name: bench-sql
    appName: ${MARIADB_APP_NAME}
    source:
      type: sql
      client: mysql
      connection: { host: ${JSON.stringify(server.host)}, port: ${server.port}, user: ${JSON.stringify(server.user)}, password: "\${BENCH_DB_PASSWORD}", database: ${JSON.stringify(server.database)} }
      table: ${BENCH_TABLE}
      key: id
    mapping: ${JSON.stringify(mapping)}
`,
  );
}

const syncs = syncScenarios({
  source: "mariadb",
  prepare: prepareTable,
  configs: { whole: "mariadb.yaml", edited: "mariadb.yaml" },
  store: "store-mariadb.sqlite",
  shape: csvOf,
}).map((scenario) => ({
  ...scenario,
  command: (ctx: RunContext) => {
    const command = scenario.command(ctx);
    return { ...command, env: { ...command.env, BENCH_DB_PASSWORD: databaseOf(ctx).server.password } };
  },
}));

export const MARIADB_GROUP: SourceGroup = {
  source: "mariadb",
  appName: MARIADB_APP_NAME,
  scenarios: [
    {
      role: "parse-only",
      source: "mariadb",
      prepare: (ctx) => prepareTable(ctx, "parse-only"),
      command: (ctx) => ({ args: [path.join(ctx.root, "dist", "bench", "scenarios", "sql-read-only.js"), BENCH_TABLE], env: { BENCH_DB_URL: urlOf(ctx) } }),
      check: async (ctx, run) => expectRows(ctx, run),
    },
    ...syncs,
  ],
};

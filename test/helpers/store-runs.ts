// The newest run a SQLite store recorded, alone or with its report rows: what the sync tests read after a run.
import { openStore, type ContactResultRow, type RunRow } from "../../src/store/index.js";

/** The newest run of the store file; throws when none was recorded. */
export async function latestRun(storeFile: string): Promise<RunRow> {
  return (await latestRunWithRows(storeFile, false)).run;
}

/** The newest run of the store file with its report rows in the order they were recorded. */
export async function latestRunWithRows(storeFile: string, withRows = true): Promise<{ run: RunRow; rows: ContactResultRow[] }> {
  const store = await openStore({ client: "sqlite", filename: storeFile }, { mustExist: true });
  try {
    const run = await store.latestRun();
    if (!run) throw new Error(`no run recorded in ${storeFile}`);
    const rows: ContactResultRow[] = [];
    if (withRows) for await (const row of store.results(run.id)) rows.push(row);
    return { run, rows };
  } finally {
    await store.close();
  }
}

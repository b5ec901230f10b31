// Opens the store the report commands and the viewer read: a configuration's store section, or an SQLite file.
import path from "node:path";
import { loadStoreConfig } from "../config/load-store.js";
import { SyncError } from "../errors.js";
import { DEFAULT_SQLITE_FILE, openStore, type Store } from "../store/index.js";

/** Where the reports are: a configuration file's store, or an SQLite file (default ./data/phonebook-sync.sqlite). */
export interface ReportSource {
  config?: string;
  store?: string;
  env?: NodeJS.ProcessEnv;
}

/** Opens the store for reading: never creates an empty SQLite file where no sync has written one. */
export async function openReportStore(source: ReportSource): Promise<Store> {
  if (source.config !== undefined && source.store !== undefined) {
    throw new SyncError("USAGE", "give either --config or --store, not both");
  }
  if (source.config !== undefined) {
    // Only the store section: reading reports never needs the PBX token or a source's credentials.
    const config = await loadStoreConfig(source.config, source.env === undefined ? {} : { env: source.env });
    return openStore(config.store, { baseDir: config.baseDir, mustExist: true });
  }
  return openStore({ client: "sqlite", filename: path.resolve(source.store ?? DEFAULT_SQLITE_FILE) }, { mustExist: true });
}

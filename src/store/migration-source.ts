// The migrations, listed in code so the compiled dist finds them without scanning a directory at run time.
import type { Knex } from "knex";
import * as init from "./migrations/000001_init.js";
import * as jobLocks from "./migrations/000002_job_locks.js";
import * as contactState from "./migrations/000003_contact_state.js";
import * as sourceWatermarks from "./migrations/000004_source_watermarks.js";
import * as scheduledRuns from "./migrations/000005_scheduled_runs.js";
import * as stateDisplayName from "./migrations/000006_state_display_name.js";
import * as reportDetail from "./migrations/000007_report_detail.js";
import * as reportIndexes from "./migrations/000008_report_indexes.js";
import * as stateScanIndex from "./migrations/000009_state_scan_index.js";
import * as sourceRefs from "./migrations/000010_source_refs.js";

interface CodeMigration extends Knex.Migration {
  name: string;
}

/** In order; a new migration is a new file `migrations/00000N_what.ts` added at the end of this list. */
const MIGRATIONS: readonly CodeMigration[] = [init, jobLocks, contactState, sourceWatermarks, scheduledRuns, stateDisplayName, reportDetail, reportIndexes, stateScanIndex, sourceRefs];

export const migrationSource: Knex.MigrationSource<CodeMigration> = {
  getMigrations: () => Promise.resolve([...MIGRATIONS]),
  getMigrationName: (migration) => migration.name,
  getMigration: (migration) => Promise.resolve(migration),
};

/** The names knex records in its `knex_migrations` table, for tests and diagnostics. */
export const MIGRATION_NAMES: readonly string[] = MIGRATIONS.map((migration) => migration.name);

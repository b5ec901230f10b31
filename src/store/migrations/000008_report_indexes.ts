// The report viewer's indexes: a contact's rows across runs, a run's rows by name or external id, a contact's state.
import type { Knex } from "knex";
import { RESULTS_TABLE, STATE_TABLE } from "../tables.js";

export const name = "000008_report_indexes";

/**
 * Every index also holds the row id at its end (SQLite's rowid, InnoDB's primary key), and within a run the id
 * grows with seq: "order by display_name, id" and "order by id" are walks of these indexes, with no sort.
 * Orders that 000001's indexes serve already: seq ((run_id), id) and outcome ((run_id, outcome), id).
 * bench/report-queries.ts measures what each one costs a sync's writes and buys the viewer.
 */
export const REPORT_INDEXES = [
  // contactHistory: one contact across every run, newest first, without scanning the table.
  { table: RESULTS_TABLE, name: "contact_results_contact_idx", columns: ["uc_app_name", "uc_external_id"] },
  // A run's rows sorted by name or by external id, any page, without sorting the run.
  { table: RESULTS_TABLE, name: "contact_results_run_name_idx", columns: ["run_id", "display_name"] },
  { table: RESULTS_TABLE, name: "contact_results_run_external_idx", columns: ["run_id", "uc_external_id"] },
  // contactStanding: the state's key starts with pbx_key, which the viewer does not know.
  { table: STATE_TABLE, name: "contact_state_contact_idx", columns: ["app_name", "external_id"] },
] as const;

export async function up(knex: Knex): Promise<void> {
  for (const index of REPORT_INDEXES) {
    await knex.schema.alterTable(index.table, (table) => {
      table.index([...index.columns], index.name);
    });
  }
}

export async function down(knex: Knex): Promise<void> {
  for (const index of REPORT_INDEXES) {
    await knex.schema.alterTable(index.table, (table) => {
      table.dropIndex([...index.columns], index.name);
    });
  }
}

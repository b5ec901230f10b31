// The report viewer's indexes on `contact_results`: a contact's rows across runs, a run's rows by name or external id.
import type { Knex } from "knex";
import { RESULTS_TABLE } from "../tables.js";

export const name = "000008_report_indexes";

/**
 * Every index also holds the row id at its end (SQLite's rowid, InnoDB's primary key), and within a run the id
 * grows with seq: "order by display_name, id" and "order by id" are walks of these indexes, with no sort.
 * Orders that 000001's indexes serve already: seq ((run_id), id) and outcome ((run_id, outcome), id).
 */
export const REPORT_INDEXES = [
  // contactHistory: one contact across every run, newest first, without scanning the table.
  { name: "contact_results_contact_idx", columns: ["uc_app_name", "uc_external_id"] },
  // A run's rows sorted by name or by external id, any page, without sorting the run.
  { name: "contact_results_run_name_idx", columns: ["run_id", "display_name"] },
  { name: "contact_results_run_external_idx", columns: ["run_id", "uc_external_id"] },
] as const;

export async function up(knex: Knex): Promise<void> {
  await knex.schema.alterTable(RESULTS_TABLE, (table) => {
    for (const index of REPORT_INDEXES) table.index([...index.columns], index.name);
  });
}

export async function down(knex: Knex): Promise<void> {
  await knex.schema.alterTable(RESULTS_TABLE, (table) => {
    for (const index of REPORT_INDEXES) table.dropIndex([...index.columns], index.name);
  });
}

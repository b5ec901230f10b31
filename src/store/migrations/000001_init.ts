// First schema: runs and their per-contact results. Portable knex schema code only (SQLite and MySQL/MariaDB).
import type { Knex } from "knex";
import { RESULTS_TABLE, RUNS_TABLE, SIZES } from "../tables.js";

export const name = "000001_init";

/** The count columns as this migration made them (a later count is a later migration's column). */
const FIRST_COUNT_KEYS = ["read", "skipped", "invalid", "duplicates", "unchanged", "inserted", "updated", "rejected", "warnings", "errors", "unconfirmed", "deleted"];

/**
 * MySQL/MariaDB only: InnoDB for the foreign key, utf8mb4 for every name a CRM holds, and a binary collation
 * so that text compares exactly as in SQLite (job "Nightly" is not job "nightly").
 */
export function mysqlTableOptions(knex: Knex, table: Knex.CreateTableBuilder): void {
  if ((knex.client as { dialect?: unknown }).dialect !== "mysql") return;
  table.engine("InnoDB");
  table.charset("utf8mb4");
  table.collate("utf8mb4_bin");
}

export async function up(knex: Knex): Promise<void> {
  await knex.schema.createTable(RUNS_TABLE, (table) => {
    mysqlTableOptions(knex, table);
    table.increments("id").primary();
    table.string("job", SIZES.job).notNullable();
    table.string("app_name", SIZES.appName).notNullable();
    table.string("trigger", SIZES.trigger).notNullable();
    table.text("pbx").notNullable();
    table.string("status", SIZES.status).notNullable();
    table.boolean("dry_run").notNullable().defaultTo(false);
    // ISO 8601 UTC strings: they sort as text and read back the same on every database and time zone.
    table.string("started_at", SIZES.timestamp).notNullable();
    table.string("ended_at", SIZES.timestamp).nullable();
    for (const key of FIRST_COUNT_KEYS) table.integer(key).notNullable().defaultTo(0);
    table.text("error").nullable();
    table.integer("pid").nullable();
    table.string("host", SIZES.host).nullable();
    table.index(["job", "id"], "runs_job_id_idx");
  });

  await knex.schema.createTable(RESULTS_TABLE, (table) => {
    mysqlTableOptions(knex, table);
    // Results outnumber runs by far: 64-bit ids leave room for years of nightly runs.
    table.bigIncrements("id").primary();
    table.integer("run_id").unsigned().notNullable().references("id").inTable(RUNS_TABLE).onDelete("CASCADE");
    table.integer("seq").notNullable();
    table.string("ref", SIZES.ref).nullable();
    table.string("uc_app_name", SIZES.appName).notNullable();
    table.string("uc_external_id", SIZES.externalId).nullable();
    table.string("display_name", SIZES.displayName).nullable();
    table.string("outcome", SIZES.outcome).notNullable();
    table.string("action", SIZES.action).nullable();
    table.string("pbx_id", SIZES.pbxId).nullable();
    table.text("info").nullable();
    // (run_id) alone serves the keyset walk "run_id = ? and id > ? order by id" (the index carries the id).
    table.index(["run_id"], "contact_results_run_idx");
    table.index(["run_id", "outcome"], "contact_results_run_outcome_idx");
  });
}

export async function down(knex: Knex): Promise<void> {
  await knex.schema.dropTableIfExists(RESULTS_TABLE);
  await knex.schema.dropTableIfExists(RUNS_TABLE);
}

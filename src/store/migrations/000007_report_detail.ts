// What reports need to say what was sent: the contact as last confirmed in the state, the contact as sent (and
// what it replaced) on a report row, and a count of contacts the deletion guard kept.
import type { Knex } from "knex";
import { RESULTS_TABLE, RUNS_TABLE, STATE_TABLE } from "../tables.js";

export const name = "000007_report_detail";

export async function up(knex: Knex): Promise<void> {
  await knex.schema.alterTable(STATE_TABLE, (table) => {
    // The contact's fields as the PBX last confirmed them (JSON, without the two id fields); NULL for older state.
    table.text("sent").nullable();
  });
  await knex.schema.alterTable(RESULTS_TABLE, (table) => {
    // JSON ResultDetail: what a pushed row sent and, for an update, what the changed fields held before.
    table.text("detail").nullable();
  });
  await knex.schema.alterTable(RUNS_TABLE, (table) => {
    table.integer("kept").notNullable().defaultTo(0);
  });
}

export async function down(knex: Knex): Promise<void> {
  await knex.schema.alterTable(RUNS_TABLE, (table) => {
    table.dropColumn("kept");
  });
  await knex.schema.alterTable(RESULTS_TABLE, (table) => {
    table.dropColumn("detail");
  });
  await knex.schema.alterTable(STATE_TABLE, (table) => {
    table.dropColumn("sent");
  });
}

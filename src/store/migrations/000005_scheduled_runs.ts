// Scheduled runs: the slot a daemon ran (one run per job and slot across every daemon sharing the store), and why a run was full.
import type { Knex } from "knex";
import { RUNS_TABLE, SIZES } from "../tables.js";

export const name = "000005_scheduled_runs";

export async function up(knex: Knex): Promise<void> {
  await knex.schema.alterTable(RUNS_TABLE, (table) => {
    // The cron slot this run stands for (ISO time, with a "+retryN" suffix for a retry); NULL for CLI runs.
    table.string("scheduled_for", SIZES.scheduledFor).nullable();
    // Why every contact was pushed again (--full, fullEvery, an empty state); NULL for an incremental run.
    table.string("full_reason", SIZES.fullReason).nullable();
    // The claim itself: a second daemon creating the same job's run for the same slot fails on every database.
    // NULLs never collide, so CLI runs are not limited.
    table.unique(["job", "scheduled_for"], { indexName: "runs_job_slot_uq" });
  });
}

export async function down(knex: Knex): Promise<void> {
  await knex.schema.alterTable(RUNS_TABLE, (table) => {
    table.dropUnique(["job", "scheduled_for"], "runs_job_slot_uq");
    table.dropColumn("full_reason");
    table.dropColumn("scheduled_for");
  });
}

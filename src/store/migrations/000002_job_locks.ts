// Job locks: one row per job while a process runs it, so two daemons (or a daemon and a CLI) never run it twice.
import type { Knex } from "knex";
import { LOCKS_TABLE, OWNER_CHARS } from "../locks.js";
import { SIZES } from "../tables.js";

export const name = "000002_job_locks";

export async function up(knex: Knex): Promise<void> {
  await knex.schema.createTable(LOCKS_TABLE, (table) => {
    if ((knex.client as { dialect?: unknown }).dialect === "mysql") {
      table.engine("InnoDB");
      table.charset("utf8mb4");
      // Binary, as in the runs table: job "Nightly" and job "nightly" are two jobs with two locks.
      table.collate("utf8mb4_bin");
    }
    // The primary key is the lock itself: a second insert for a job fails on every database.
    table.string("job", SIZES.job).notNullable().primary();
    // Changes with each acquisition, so a holder that lost its lock cannot heartbeat or release the next one's.
    table.string("owner", OWNER_CHARS).notNullable();
    table.integer("pid").notNullable();
    table.string("host", SIZES.host).notNullable();
    // No foreign key: a lock is taken before its run exists, and a pruned run must never leave a lock unremovable.
    table.integer("run_id").nullable();
    // ISO 8601 UTC strings, as in the runs table.
    table.string("acquired_at", SIZES.timestamp).notNullable();
    table.string("heartbeat_at", SIZES.timestamp).notNullable();
  });
}

export async function down(knex: Knex): Promise<void> {
  await knex.schema.dropTableIfExists(LOCKS_TABLE);
}

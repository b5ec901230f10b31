// Source watermarks: for an incremental SQL source, the newest change-column value a complete run had read.
import type { Knex } from "knex";
import { SIZES, WATERMARKS_TABLE } from "../tables.js";

export const name = "000004_source_watermarks";

export async function up(knex: Knex): Promise<void> {
  await knex.schema.createTable(WATERMARKS_TABLE, (table) => {
    if ((knex.client as { dialect?: unknown }).dialect === "mysql") {
      table.engine("InnoDB");
      table.charset("utf8mb4");
      table.collate("utf8mb4_bin");
    }
    table.string("job", SIZES.job).notNullable();
    // A hash of the mapping and the source's query: another query or mapping starts over with a full read.
    table.string("source_key", SIZES.hash).notNullable();
    // The value as the database wrote it (a date, a number), compared by the database itself.
    table.string("watermark", SIZES.watermark).notNullable();
    table.integer("run_id").notNullable();
    table.string("recorded_at", SIZES.timestamp).notNullable();
    table.primary(["job", "source_key"], "source_watermarks_pk");
  });
}

export async function down(knex: Knex): Promise<void> {
  await knex.schema.dropTableIfExists(WATERMARKS_TABLE);
}

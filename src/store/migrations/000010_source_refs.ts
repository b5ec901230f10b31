// Source refs: what an incremental source with per-record versions (CardDAV's ETags) had, card by card, when last read.
import type { Knex } from "knex";
import { SIZES, SOURCE_REFS_TABLE, WATERMARKS_TABLE } from "../tables.js";
import { mysqlTableOptions } from "./000001_init.js";

export const name = "000010_source_refs";

export async function up(knex: Knex): Promise<void> {
  const mysql = (knex.client as { dialect?: unknown }).dialect === "mysql";
  await knex.schema.createTable(SOURCE_REFS_TABLE, (table) => {
    mysqlTableOptions(knex, table);
    table.string("job", SIZES.job).notNullable();
    // A hash of the mapping and the source (as for watermarks): another of either starts over.
    table.string("source_key", SIZES.hash).notNullable();
    // A hash of the ref: an href may be longer than a key may be on MySQL.
    table.string("ref_hash", SIZES.hash).notNullable();
    table.string("ref", SIZES.sourceRef).notNullable();
    table.string("version", SIZES.refVersion).notNullable();
    table.string("ref_key", SIZES.externalId).notNullable();
    // The run that last read the record whole; `settled` once that run ended well for it.
    table.integer("run_id").notNullable();
    table.boolean("settled").notNullable().defaultTo(false);
    // The last run whose listing named the ref: a complete listing forgets the refs it did not name.
    table.integer("listed_run").notNullable();
    table.primary(["job", "source_key", "ref_hash"], "source_refs_pk");
    table.index(["job", "source_key", "run_id"], "source_refs_run_idx");
  });
  // CardDAV sync tokens are URLs (Radicale's hold a SHA-256), one per address book: more than 64 characters.
  if (mysql) {
    await knex.schema.alterTable(WATERMARKS_TABLE, (table) => {
      table.string("watermark", SIZES.watermark).notNullable().alter();
    });
  }
}

export async function down(knex: Knex): Promise<void> {
  await knex.schema.dropTableIfExists(SOURCE_REFS_TABLE);
}

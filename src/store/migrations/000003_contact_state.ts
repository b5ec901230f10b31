// Contact state: what the PBX last confirmed per (PBX, uc_app_name, uc_external_id), for incremental sync and deletions.
import type { Knex } from "knex";
import { SIZES, STATE_TABLE } from "../tables.js";

export const name = "000003_contact_state";

export async function up(knex: Knex): Promise<void> {
  await knex.schema.createTable(STATE_TABLE, (table) => {
    if ((knex.client as { dialect?: unknown }).dialect === "mysql") {
      table.engine("InnoDB");
      table.charset("utf8mb4");
      table.collate("utf8mb4_bin");
    }
    // A hash of the PBX's printable endpoint: URLs can be long, and a key must stay within MySQL's 3072 bytes.
    table.string("pbx_key", SIZES.hash).notNullable();
    table.string("app_name", SIZES.appName).notNullable();
    table.string("external_id", SIZES.externalId).notNullable();
    table.string("pbx_id", SIZES.pbxId).nullable();
    table.string("contact_hash", SIZES.hash).notNullable();
    table.string("source_hash", SIZES.hash).notNullable();
    table.integer("last_run_id").notNullable();
    table.string("confirmed_at", SIZES.timestamp).notNullable();
    table.primary(["pbx_key", "app_name", "external_id"], "contact_state_pk");
  });
}

export async function down(knex: Knex): Promise<void> {
  await knex.schema.dropTableIfExists(STATE_TABLE);
}

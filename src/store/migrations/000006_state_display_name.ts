// The contact state keeps the name a contact was last sent with, so that a deletion says who was deleted.
import type { Knex } from "knex";
import { SIZES, STATE_TABLE } from "../tables.js";

export const name = "000006_state_display_name";

export async function up(knex: Knex): Promise<void> {
  await knex.schema.alterTable(STATE_TABLE, (table) => {
    // "Maria Anders (Alfreds)" as last confirmed by the PBX; NULL for state written before this column.
    table.string("display_name", SIZES.displayName).nullable();
  });
}

export async function down(knex: Knex): Promise<void> {
  await knex.schema.alterTable(STATE_TABLE, (table) => {
    table.dropColumn("display_name");
  });
}

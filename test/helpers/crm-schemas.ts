// Test schemas with SuiteCRM's and Odoo's real table and column names (the columns the presets read, and a few
// around them), and seed rows for the cases the presets must get right.
import type { Knex } from "knex";

/** SuiteCRM ids are UUIDs (char(36)); the seed's are readable ones padded to that shape. */
export function uuid(short: string): string {
  return `${short}-0000-4000-8000-000000000000`;
}

export async function createSuiteCrmSchema(knex: Knex): Promise<void> {
  const id = (t: Knex.CreateTableBuilder) => t.specificType("id", "char(36)").primary();
  await knex.schema.createTable("users", (t) => {
    id(t);
    t.string("user_name", 60);
    t.string("first_name", 255);
    t.string("last_name", 255);
    t.tinyint("deleted").notNullable().defaultTo(0);
  });
  await knex.schema.createTable("accounts", (t) => {
    id(t);
    t.string("name", 150);
    t.datetime("date_modified");
    t.tinyint("deleted").notNullable().defaultTo(0);
  });
  await knex.schema.createTable("contacts", (t) => {
    id(t);
    t.string("salutation", 255);
    t.string("first_name", 100);
    t.string("last_name", 100);
    t.string("title", 100);
    t.string("department", 255);
    for (const phone of ["phone_home", "phone_mobile", "phone_work", "phone_other", "phone_fax"]) t.string(phone, 100);
    t.string("primary_address_city", 100);
    t.string("primary_address_country", 255);
    t.specificType("assigned_user_id", "char(36)");
    t.datetime("date_entered");
    t.datetime("date_modified");
    t.tinyint("deleted").notNullable().defaultTo(0);
  });
  await knex.schema.createTable("accounts_contacts", (t) => {
    id(t);
    t.specificType("contact_id", "char(36)");
    t.specificType("account_id", "char(36)");
    t.datetime("date_modified");
    t.tinyint("deleted").notNullable().defaultTo(0);
  });
  await knex.schema.createTable("email_addresses", (t) => {
    id(t);
    t.string("email_address", 255);
    t.string("email_address_caps", 255);
    t.tinyint("invalid_email").defaultTo(0);
    t.tinyint("opt_out").defaultTo(0);
    t.tinyint("deleted").notNullable().defaultTo(0);
  });
  await knex.schema.createTable("email_addr_bean_rel", (t) => {
    id(t);
    t.specificType("email_address_id", "char(36)");
    t.specificType("bean_id", "char(36)");
    t.string("bean_module", 100);
    t.tinyint("primary_address").defaultTo(0);
    t.tinyint("reply_to_address").defaultTo(0);
    t.datetime("date_created");
    t.datetime("date_modified");
    t.tinyint("deleted").notNullable().defaultTo(0);
  });

  await knex("users").insert([{ id: uuid("u0000001"), user_name: "laura", first_name: "Laura", last_name: "Fontana" }]);
  await knex("accounts").insert([
    { id: uuid("a0000001"), name: "Rossi S.r.l.", date_modified: "2024-01-01 10:00:00" },
    { id: uuid("a0000002"), name: "Bäckerei Becker", date_modified: "2024-01-01 10:00:00" },
    { id: uuid("a0000003"), name: "Old Company", date_modified: "2024-01-01 10:00:00", deleted: 1 },
  ]);
  const contact = (short: string, values: Record<string, unknown>) => ({ id: uuid(short), date_modified: "2024-05-01 09:00:00", ...values });
  await knex("contacts").insert([
    contact("c0000001", {
      first_name: "Mario", last_name: "Rossi", title: "Buyer", department: "Purchasing", phone_work: "0733 123456",
      phone_mobile: "+39 347 1234567", primary_address_city: "Macerata", primary_address_country: "Italy", assigned_user_id: uuid("u0000001"),
    }),
    contact("c0000002", { first_name: "Stefan", last_name: "Becker", phone_work: "030 1234567", primary_address_country: "Germany" }),
    contact("c0000003", { first_name: "Gone", last_name: "Away", phone_work: "0733 999999", deleted: 1 }),
    contact("c0000004", { first_name: "No", last_name: "Number", primary_address_country: "Italy" }),
    contact("c0000005", { first_name: "Only", last_name: "Old", phone_mobile: "347 7654321", primary_address_country: "ITALIA" }),
    contact("c0000006", { first_name: "Heidi", last_name: "Keller", phone_work: "+41 44 668 18 00", primary_address_country: "CH" }),
  ]);
  await knex("accounts_contacts").insert([
    { id: uuid("r0000001"), contact_id: uuid("c0000001"), account_id: uuid("a0000001"), date_modified: "2024-01-02 10:00:00" },
    { id: uuid("r0000002"), contact_id: uuid("c0000002"), account_id: uuid("a0000002"), date_modified: "2024-01-02 10:00:00" },
    { id: uuid("r0000003"), contact_id: uuid("c0000002"), account_id: uuid("a0000001"), date_modified: "2024-03-02 10:00:00" },
    { id: uuid("r0000004"), contact_id: uuid("c0000005"), account_id: uuid("a0000003"), date_modified: "2024-01-02 10:00:00" },
  ]);
  await knex("email_addresses").insert([
    { id: uuid("e0000001"), email_address: "Mario.Rossi@Rossi.example", email_address_caps: "MARIO.ROSSI@ROSSI.EXAMPLE" },
    { id: uuid("e0000002"), email_address: "mario@home.example", email_address_caps: "MARIO@HOME.EXAMPLE" },
  ]);
  await knex("email_addr_bean_rel").insert([
    { id: uuid("b0000001"), email_address_id: uuid("e0000002"), bean_id: uuid("c0000001"), bean_module: "Contacts", primary_address: 0, date_created: "2023-01-01 00:00:00" },
    { id: uuid("b0000002"), email_address_id: uuid("e0000001"), bean_id: uuid("c0000001"), bean_module: "Contacts", primary_address: 1, date_created: "2024-01-01 00:00:00" },
  ]);
}

export async function createOdooSchema(knex: Knex): Promise<void> {
  await knex.schema.createTable("res_country", (t) => {
    t.increments("id").primary();
    t.string("code", 2);
    // Odoo 16+ keeps translatable names as jsonb ({"en_US": "Italy"}).
    t.jsonb("name");
  });
  await knex.schema.createTable("res_partner", (t) => {
    t.increments("id").primary();
    t.string("name");
    t.string("display_name");
    t.string("company_name");
    t.string("type");
    t.integer("parent_id");
    t.integer("commercial_partner_id");
    t.boolean("is_company").defaultTo(false);
    t.boolean("active").defaultTo(true);
    t.string("email");
    t.string("phone");
    t.string("mobile");
    t.string("city");
    t.integer("country_id");
    t.string("function");
    t.string("ref");
    t.integer("user_id");
    t.integer("customer_rank").defaultTo(0);
    t.integer("supplier_rank").defaultTo(0);
    t.timestamp("write_date", { useTz: false });
  });
  await knex.schema.createTable("res_users", (t) => {
    t.increments("id").primary();
    t.string("login");
    t.integer("partner_id");
    t.boolean("active").defaultTo(true);
  });

  await knex("res_country").insert([
    { id: 1, code: "IT", name: JSON.stringify({ en_US: "Italy" }) },
    { id: 2, code: "DE", name: JSON.stringify({ en_US: "Germany" }) },
  ]);
  const partner = (id: number, values: Record<string, unknown>) => ({ id, type: "contact", commercial_partner_id: id, write_date: "2024-05-01 09:00:00", ...values });
  await knex("res_partner").insert([
    partner(1, { name: "Your Company", is_company: true, phone: "0733 000000", country_id: 1 }),
    partner(2, { name: "Laura Fontana", phone: "0733 000001", country_id: 1 }),
    partner(10, { name: "Rossi S.r.l.", is_company: true, customer_rank: 1, phone: "0733 123456", city: "Macerata", country_id: 1, user_id: 1, ref: "C-0010" }),
    partner(11, { name: "Mario Rossi", parent_id: 10, commercial_partner_id: 10, function: "Buyer", mobile: "347 1234567", country_id: 1 }),
    partner(12, { name: "Anna Bianchi", parent_id: 10, commercial_partner_id: 10, type: "private", mobile: "347 5555555", country_id: 1 }),
    partner(13, { name: "Müller GmbH", is_company: true, supplier_rank: 2, phone: "+49 30 1234567", country_id: 2 }),
    partner(14, { name: "Archived Co", is_company: true, customer_rank: 1, phone: "0733 444444", country_id: 1, active: false }),
    partner(15, { name: "Paolo Verdi", customer_rank: 1, country_id: 1 }),
  ]);
  await knex("res_users").insert([{ id: 1, login: "laura", partner_id: 2 }]);
}

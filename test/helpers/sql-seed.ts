// The Northwind customers (test/fixtures/northwind-customers.csv, Ms-PL) as a table in any of the three databases.
import { readFileSync } from "node:fs";
import path from "node:path";
import type { Knex } from "knex";
import Papa from "papaparse";
import { ROOT } from "./cli.js";

export const NORTHWIND_COLUMNS = ["customer_id", "company_name", "contact_name", "contact_title", "address", "city", "region", "postal_code", "country", "phone", "fax"] as const;
export type Customer = Record<(typeof NORTHWIND_COLUMNS)[number], string>;

export function northwindCustomers(): Customer[] {
  const text = readFileSync(path.join(ROOT, "test", "fixtures", "northwind-customers.csv"), "utf8");
  return Papa.parse<Customer>(text, { header: true, skipEmptyLines: true }).data;
}

/** Creates `customers` (customer_id primary key, a modified date, an active flag) and fills it with Northwind's 91. */
export async function seedCustomers(knex: Knex, table = "customers"): Promise<Customer[]> {
  const customers = northwindCustomers();
  await knex.schema.dropTableIfExists(table);
  await knex.schema.createTable(table, (t) => {
    t.string("customer_id", 10).primary();
    for (const column of NORTHWIND_COLUMNS.slice(1)) t.string(column, 80).nullable();
    t.integer("active").notNullable().defaultTo(1);
    t.date("last_order").nullable();
    t.decimal("credit_limit", 12, 2).nullable();
    // What a CRM updates on every change: the incremental reads' change column.
    t.datetime("modified_at").nullable();
  });
  const rows = customers.map((customer, i) => ({
    ...Object.fromEntries(NORTHWIND_COLUMNS.map((column) => [column, customer[column] === "" ? null : customer[column]])),
    active: 1,
    last_order: `2024-0${(i % 9) + 1}-1${i % 10}`,
    credit_limit: i % 3 === 0 ? null : (i + 1) * 250.5,
    modified_at: "2024-05-01 09:00:00",
  }));
  for (let i = 0; i < rows.length; i += 30) await knex(table).insert(rows.slice(i, i + 30));
  return customers;
}

export const NORTHWIND_MAPPING = `version: 1
externalId: customer_id
defaultCountry: US
countryField: country
fields:
  name: contact_name
  company: company_name
numbers:
  numoffice: phone
  numfax: fax
extInfo:
  - caption: City
    from: city
  - caption: Last order
    from: last_order
    format: { date: medium, locale: en-GB }
  - caption: Credit limit
    from: credit_limit
    format: { currency: EUR, locale: en-GB }
`;

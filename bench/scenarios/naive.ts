// Baseline "naive": what a hand-written script does before it sends anything. papaparse, one
// parsePhoneNumberFromString per number, one JSON.stringify per contact; single-threaded, no I/O.
import { createReadStream } from "node:fs";
import { parsePhoneNumberFromString, type CountryCode } from "libphonenumber-js";
import Papa from "papaparse";

const file = process.argv[2];
if (file === undefined) throw new Error("usage: naive.js FILE.csv");

const NUMBER_COLUMNS = [
  ["phone", "numoffice"],
  ["mobile", "nummobile"],
  ["home", "numhome"],
  ["fax", "numfax"],
] as const;
const EXT_INFO = [
  ["credit_limit", "Credit limit"],
  ["last_order", "Last order"],
  ["sales_agent", "Sales agent"],
] as const;

let rows = 0;
let numbers = 0;
let jsonChars = 0;

function onRow(row: Record<string, string | undefined>): void {
  const country = (row["country"] || "IT") as CountryCode;
  const contact: Record<string, unknown> = {
    uc_app_name: "BENCH",
    uc_external_id: row["id"],
    name: row["first_name"],
    surname: row["last_name"],
    company: row["company"],
    email: row["email"],
  };
  for (const [column, field] of NUMBER_COLUMNS) {
    const text = row[column];
    if (!text) continue;
    numbers++;
    contact[field] = parsePhoneNumberFromString(text, country)?.number ?? text.replace(/\D/g, "");
  }
  contact["ext_info"] = EXT_INFO.filter(([column]) => row[column]).map(([column, caption]) => ({ caption, value: row[column] }));
  jsonChars += JSON.stringify(contact).length;
  rows++;
}

await new Promise<void>((resolve, reject) => {
  Papa.parse<Record<string, string>>(createReadStream(file, "utf8"), {
    header: true,
    skipEmptyLines: true,
    step: (result) => onRow(result.data),
    complete: () => resolve(),
    error: (err: Error) => reject(err),
  });
});
process.stdout.write(`rows ${rows}\nnumbers ${numbers}\njson ${jsonChars} chars\n`);

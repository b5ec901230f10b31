// Writes examples/contacts.csv: ~200 deterministic, realistic CRM contacts plus a few deliberately bad rows.
// Run from the repository root: `node examples/generate-contacts.mjs`. The output is committed; this script
// stays so that it can be made again the same way. examples/README.md lists the bad rows.
import { writeFileSync } from "node:fs";
import path from "node:path";
import { parsePhoneNumberFromString } from "libphonenumber-js/min";

const OUT = path.join(import.meta.dirname, "contacts.csv");
const COUNT = 200;
const FIRST_ID = 1001;

// A small deterministic PRNG (mulberry32): the same file on every machine and Node version.
let state = 20240611;
function random() {
  state = (state + 0x6d2b79f5) | 0;
  let t = Math.imul(state ^ (state >>> 15), 1 | state);
  t = (t + Math.imul(t ^ (t >>> 7), 61 | t)) ^ t;
  return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
}
const pick = (list) => list[Math.floor(random() * list.length)];
const digits = (n) => Array.from({ length: n }, () => Math.floor(random() * 10)).join("");

const COUNTRIES = {
  IT: {
    weight: 55,
    labels: ["IT", "Italy", "Italia", "", ""],
    first: ["Mario", "Giulia", "Luca", "Francesca", "Giuseppe", "Chiara", "Alessandro", "Sara", "Niccolò", "Federica", "Antonio", "Elena", "Matteo", "Martina", "Paolo", "Ilaria"],
    last: ["Rossi", "Bianchi", "D'Angelo", "Esposito", "Romano", "Colombo", "Ricci", "Marino", "Greco", "Bruno", "Gallo", "Conti", "De Luca", "Mancini", "Costa", "Sant'Elia", "Lombardi", "Barbieri"],
    companies: ["{last} & Figli S.r.l.", "Officina {last} S.n.c.", "Studio Associato {last}, {last2} e Partners", 'Trattoria "Da {first}"', "{city} Impianti S.p.A.", "Fratelli {last} S.r.l.", "Società Agricola {last}"],
    cities: ["Macerata", "Roma", "Milano", "Ancona", "Torino", "Bologna", "Firenze", "Napoli", "Pesaro", "Civitanova Marche"],
    landline: () => pick(["0733", "0721", "071", "06", "02", "011", "051", "055", "081"]) + digits(6),
    mobile: () => pick(["333", "347", "320", "339", "366", "392"]) + digits(7),
    domain: "it",
  },
  DE: {
    weight: 10,
    labels: ["DE", "Germany", "Deutschland"],
    first: ["Jürgen", "Anna", "Lukas", "Sophie", "Stefan", "Katrin", "Matthias", "Lena"],
    last: ["Müller", "Schmidt", "Schneider", "Fischer", "Weiß", "Wagner", "Becker", "Schäfer"],
    companies: ["{last} GmbH", "{last} & {last2} KG", "Bäckerei {last}", "{city}er Maschinenbau AG"],
    cities: ["Berlin", "München", "Hamburg", "Köln", "Frankfurt am Main", "Stuttgart"],
    landline: () => pick(["30", "89", "40", "221", "69", "711"]) + digits(7),
    mobile: () => pick(["151", "160", "171", "176"]) + digits(8),
    domain: "de",
  },
  FR: {
    weight: 8,
    labels: ["FR", "France"],
    first: ["François", "Amélie", "Jérôme", "Céline", "Benoît", "Hélène"],
    last: ["Dupont", "Lefèvre", "Martin", "Durand", "Moreau", "Lemaître", "L'Hôte"],
    companies: ["{last} et Fils SARL", "Boulangerie {last}", "{last}, {last2} & Associés", "Atelier {last} SAS"],
    cities: ["Paris", "Lyon", "Marseille", "Bordeaux", "Nantes", "Strasbourg"],
    landline: () => pick(["1", "4", "5", "2", "3"]) + digits(8),
    mobile: () => pick(["6", "7"]) + digits(8),
    domain: "fr",
  },
  GB: {
    weight: 7,
    labels: ["GB", "UK", "United Kingdom"],
    first: ["Oliver", "Amelia", "Harry", "Isla", "George", "Emily"],
    last: ["Smith", "O'Brien", "Taylor", "Jones", "McDonald", "Wright"],
    companies: ["{last} & Sons Ltd", "{last} Consulting Ltd", "The {city} Trading Company", "{last}, {last2} and Partners LLP"],
    cities: ["London", "Manchester", "Leeds", "Bristol", "Edinburgh"],
    landline: () => pick(["20" + pick(["7", "8", "3"]) + digits(7), "161" + pick(["4", "8"]) + digits(6), "113" + pick(["2", "4"]) + digits(6)]),
    mobile: () => "7" + pick(["400", "700", "800", "900", "911"]) + digits(6),
    domain: "co.uk",
  },
  US: {
    weight: 6,
    labels: ["US", "USA", "United States"],
    first: ["James", "Mary", "Robert", "Jennifer", "Michael", "Linda"],
    last: ["Johnson", "Williams", "Brown", "Garcia", "Miller", "Davis"],
    companies: ["{last} Industries, Inc.", "{last} & {last2} LLC", "{city} Logistics Corp.", 'The "{last}" Group']
      ,
    cities: ["New York", "Chicago", "Boston", "Seattle", "Austin"],
    landline: () => pick(["212", "312", "617", "206", "512"]) + pick(["2", "3", "4", "5", "6", "7", "8", "9"]) + digits(6),
    mobile: () => pick(["646", "773", "857", "425", "737"]) + pick(["2", "3", "4", "5", "6", "7", "8", "9"]) + digits(6),
    domain: "com",
  },
  CH: {
    weight: 5,
    labels: ["CH", "Switzerland", "Schweiz", "Svizzera"],
    first: ["Reto", "Corinne", "Urs", "Nadine", "Beat"],
    last: ["Meier", "Keller", "Brunner", "Zürcher", "Favre"],
    companies: ["{last} AG", "{last} & Cie SA", "Treuhand {last} GmbH"],
    cities: ["Zürich", "Genève", "Basel", "Lugano", "Bern"],
    landline: () => pick(["44", "22", "61", "91", "31"]) + digits(7),
    mobile: () => pick(["76", "78", "79"]) + digits(7),
    domain: "ch",
  },
  ES: {
    weight: 4,
    labels: ["ES", "Spain", "España"],
    first: ["José", "María", "Javier", "Lucía"],
    last: ["García", "Fernández", "López", "Martínez", "Núñez"],
    companies: ["{last} y Asociados S.L.", "Distribuciones {last} S.A."],
    cities: ["Madrid", "Barcelona", "Valencia", "Sevilla"],
    landline: () => pick(["91", "93", "96", "95"]) + digits(7),
    mobile: () => pick(["6", "7"]) + pick(["1", "2", "3", "5", "6"]) + digits(7),
    domain: "es",
  },
  AT: {
    weight: 3,
    labels: ["AT", "Austria", "Österreich"],
    first: ["Florian", "Theresa", "Maximilian"],
    last: ["Gruber", "Huber", "Pichler", "Steiner"],
    companies: ["{last} Handels GmbH", "Tischlerei {last}"],
    cities: ["Wien", "Graz", "Salzburg", "Innsbruck"],
    landline: () => pick(["1", "316", "662", "512"]) + digits(6),
    mobile: () => pick(["664", "676", "699"]) + digits(7),
    domain: "at",
  },
  NL: {
    weight: 2,
    labels: ["NL", "Netherlands", "Nederland"],
    first: ["Daan", "Sanne", "Bram"],
    last: ["de Vries", "van Dijk", "Jansen", "Bakker"],
    companies: ["{last} B.V.", "Handelsonderneming {last}"],
    cities: ["Amsterdam", "Rotterdam", "Utrecht"],
    landline: () => pick(["20", "10", "30"]) + digits(7),
    mobile: () => "6" + pick(["1", "2", "3", "4", "5"]) + digits(7),
    domain: "nl",
  },
};

const JOB_TITLES = ["Purchasing Manager", "CEO", "Owner", "Sales Representative", "Accountant", "Office Manager", "Technical Director", "Buyer", ""];
const AGENTS = ["Marco Pellegrini", "Laura Fontana", "Davide Moretti", "Silvia Caruso"];

/** A valid number for the country: random digits in known ranges, checked with libphonenumber-js. */
function validNumber(code, make) {
  for (;;) {
    const phone = parsePhoneNumberFromString(`+${callingCode(code)}${make()}`);
    if (phone && phone.isValid() && phone.country === code) return phone;
  }
}
function callingCode(code) {
  return { IT: "39", DE: "49", FR: "33", GB: "44", US: "1", CH: "41", ES: "34", AT: "43", NL: "31" }[code];
}

/** The number as people type it: national or international, with their separators and habits. */
function typed(phone, code) {
  const national = phone.formatNational();
  const international = phone.formatInternational();
  const style = random();
  if (style < 0.35) return national;
  if (style < 0.5) return international;
  if (style < 0.6) return national.replace(" ", "/");
  if (style < 0.7) return national.replace(/ /g, code === "FR" ? "." : "-");
  if (style < 0.78 && code === "IT" && / 0/.test(international)) {
    // "+39 (0)733 ...": copied from the German habit; in Italy the 0 is part of the number, not a trunk prefix.
    return international.replace(/^\+39 0/, "+39 (0)");
  }
  if (style < 0.78 && !["IT", "US", "ES"].includes(code)) {
    // "+49 (0)30 ...": the trunk prefix in brackets, as Europeans write on business cards.
    return international.replace(/^(\+\d+) /, "$1 (0)");
  }
  if (style < 0.86) return international.replace(/^\+/, "00");
  if (style < 0.93) return phone.number;
  return national.replace(/\D/g, "");
}

function fill(template, names) {
  return template.replace(/\{(\w+)\}/g, (_, key) => names[key]);
}

function ascii(text) {
  return text.normalize("NFD").replace(/[\u0300-\u036f]/g, "").replace(/ß/g, "ss").toLowerCase().replace(/[^a-z0-9]+/g, "");
}

function countryFor() {
  const total = Object.values(COUNTRIES).reduce((sum, c) => sum + c.weight, 0);
  let roll = random() * total;
  for (const [code, country] of Object.entries(COUNTRIES)) {
    roll -= country.weight;
    if (roll < 0) return code;
  }
  return "IT";
}

const HEADER = ["id", "first_name", "last_name", "company", "job_title", "phone", "mobile", "fax", "email", "country", "city", "status", "credit_limit", "sales_agent", "open_invoices", "last_order_date"];

/** Names and companies as people key them into a CRM now and then: all capitals, all small, doubled spaces. */
function messy(text, kind) {
  const roll = random();
  if (text === "" || roll >= 0.12) return text;
  if (kind === "name") return roll < 0.05 ? text.toUpperCase() : roll < 0.09 ? text.toLowerCase() : ` ${text} `;
  return roll < 0.06 ? text.replace(" ", "  ") : `${text} `;
}

function makeRow(index) {
  const code = countryFor();
  const c = COUNTRIES[code];
  const first = pick(c.first);
  const last = pick(c.last);
  let last2 = pick(c.last);
  if (last2 === last) last2 = c.last[(c.last.indexOf(last) + 1) % c.last.length];
  const city = pick(c.cities);
  const company = random() < 0.9 ? fill(pick(c.companies), { first, last, last2, city }) : "";
  const slug = ascii(company || last).slice(0, 20) || "mail";
  const phone = random() < 0.9 ? typed(validNumber(code, c.landline), code) : "";
  const mobile = random() < 0.6 ? typed(validNumber(code, c.mobile), code) : "";
  const fax = random() < 0.25 ? typed(validNumber(code, c.landline), code) : "";
  // A CRM contact without a number is of no use to the PBX: only the one bad row below has none.
  const office = phone === "" && mobile === "" && fax === "" ? typed(validNumber(code, c.landline), code) : phone;
  const year = 2023 + Math.floor(random() * 3);
  const month = String(1 + Math.floor(random() * 12)).padStart(2, "0");
  const day = String(1 + Math.floor(random() * 28)).padStart(2, "0");
  return {
    id: String(FIRST_ID + index),
    first_name: messy(first, "name"),
    last_name: messy(last, "name"),
    company: messy(company, "company"),
    job_title: pick(JOB_TITLES),
    phone: office,
    mobile,
    fax,
    email: random() < 0.85 ? `${ascii(first)}.${ascii(last)}@${slug}.example` : "",
    country: pick(c.labels),
    city,
    status: random() < 0.15 ? "prospect" : pick(["active", "active", "active", "Active", "ACTIVE"]),
    credit_limit: random() < 0.8 ? (Math.floor(random() * 100) * 500).toFixed(2) : "",
    sales_agent: random() < 0.9 ? pick(AGENTS) : "",
    open_invoices: random() < 0.85 ? String(Math.floor(random() * 9)) : "",
    last_order_date: random() < 0.8 ? `${year}-${month}-${day}` : "",
  };
}

const rows = Array.from({ length: COUNT }, (_, i) => makeRow(i));

// The deliberately bad (and a few special) rows, by id; row 1001 is on line 2, so id N is on line N - 999.
// examples/README.md says what a run reports for each; test/unit/mapping-examples.test.ts checks it.
const at = (id) => {
  const row = rows.find((r) => r.id === String(id));
  if (!row) throw new Error(`no row ${id}`);
  return row;
};
const set = (id, values) => Object.assign(at(id), values);

// The row whose id 1151 repeats: it must itself reach the PBX, or 1151 would be no duplicate.
set(1011, { status: "active", phone: "0733 232425", country: "Italia" });
// An American number typed with 555, the exchange of films: no such area code, so its digits are kept, with a warning.
set(1020, {
  first_name: "Mary", last_name: "Johnson", company: "Johnson Industries, Inc.", city: "Chicago", country: "USA",
  phone: "(555) 123-4567", mobile: "(312) 555-0148", fax: "", email: "mary.johnson@johnsonindustries.example", status: "active",
});
// Not a number at all: the office number is left out, with a warning; the mobile is sent.
set(1045, {
  first_name: "Paolo", last_name: "Lombardi", company: "Officina Lombardi S.n.c.", city: "Pesaro", country: "IT",
  phone: "n/a", mobile: "339 1234567", fax: "", email: "paolo.lombardi@officinalombardi.example", status: "active",
});
// No number at all: skipped by the mapping's rule "no phone number".
set(1061, { phone: "", mobile: "", fax: "" });
// Customers marked inactive (in the spellings CRMs use): skipped by the mapping's status rule.
set(1076, { status: "inactive" });
set(1141, { status: "INACTIVE " });
// Too short for Germany: kept as the digits "+493012", with a warning.
set(1100, {
  first_name: "Stefan", last_name: "Becker", company: "Bäckerei Becker", city: "Berlin", country: "DE",
  phone: "+49 30 12", mobile: "0171 2345678", fax: "", email: "stefan.becker@baeckereibecker.example", status: "active",
});
// An extension typed after the number: the number is sent without it, with a warning.
set(1112, { country: "IT", phone: "0733 123456 int. 12", status: "active" });
// No id: the contact cannot be synchronized (invalid).
set(1121, { id: "" });
// An internal extension: passed through untouched, no warning.
set(1130, {
  first_name: "", last_name: "", company: "Centralino (interno)", job_title: "", phone: "200", mobile: "", fax: "",
  email: "", country: "IT", city: "Macerata", status: "active", credit_limit: "", sales_agent: "", open_invoices: "", last_order_date: "",
});
// The id of an earlier row: reported as a duplicate and not sent.
set(1151, { id: "1011" });
// A credit limit that is not a number: shown as typed in ext_info, with a warning.
set(1166, { credit_limit: "n.d.", status: "active" });
// No name, surname or company: skipped by the mapping's rule "no name".
set(1185, { first_name: "", last_name: "", company: "", status: "active", phone: "06 4567 8901", mobile: "", fax: "", email: "", country: "IT", city: "Roma" });
const SHORT_ROW = "1038"; // one field too few
const LONG_ROW = "1089"; // one field too many
// A company that opens a quote and never closes it: the row is reported and the line after it is read on its own.
const UNCLOSED_ROW = "1199";
set(1199, {
  first_name: "Luca", last_name: "Mancini", company: "Fratelli Mancini S.r.l.", job_title: "Owner", phone: "0733 654321",
  mobile: "", fax: "", email: "luca.mancini@fratellimancini.example", country: "IT", city: "Macerata", status: "active",
  credit_limit: "3500.00", sales_agent: "Laura Fontana", open_invoices: "4", last_order_date: "",
});
set(1200, {
  first_name: "Chiara", last_name: "Ricci", company: "Fratelli Ricci S.r.l.", job_title: "Buyer", phone: "071 2345678",
  mobile: "347 765 4321", fax: "", email: "chiara.ricci@fratelliricci.example", country: "IT", city: "Ancona", status: "active",
  credit_limit: "7500.00", sales_agent: "Laura Fontana", open_invoices: "2", last_order_date: "2025-10-03",
});

function csvField(value) {
  return /[",\n\r]/.test(value) || value !== value.trim() ? `"${value.replace(/"/g, '""')}"` : value;
}

const lines = [HEADER.join(",")];
for (const row of rows) {
  const values = HEADER.map((key) => csvField(row[key]));
  if (row.id === SHORT_ROW) values.pop();
  if (row.id === LONG_ROW) values.push("EXTRA");
  if (row.id === UNCLOSED_ROW) values[HEADER.indexOf("company")] = `"${row.company.replace(/"/g, "")}`;
  lines.push(values.join(","));
}
// The unclosed quote must find no quote after it, or a reader would take the lines between as one multi-line value.
const unclosedAt = lines.findIndex((line) => line.startsWith(`${UNCLOSED_ROW},`));
if (lines.slice(unclosedAt + 1).some((line) => line.includes('"'))) throw new Error("a quote follows the unclosed quote; change the rows after it");
writeFileSync(OUT, `${lines.join("\n")}\n`, "utf8");
console.log(`wrote ${rows.length} rows to ${path.relative(process.cwd(), OUT)}`);

// The end check: after the last scenario the emulator must hold exactly the edited source's contacts, as mapped.
import { PbxClient, type ExtInfoBlock } from "../src/pbx/index.js";
import type { StoredContact } from "../src/emulator/types.js";
import { contactAt, externalIdOf, fateOf, type BenchContact } from "./source/contacts.js";
import type { EmulatorProcess } from "./emulator.js";
import type { GeneratedSources } from "./generate.js";

/** Up to this many contacts the whole phonebook is fetched and compared; above, a sample is searched for. */
export const FULL_CHECK_MAX = 200_000;
/** Searches scan the whole phonebook, so the sample stays small: rows spread evenly, then edited and removed ones. */
const SAMPLE_SPREAD = 100;
const SAMPLE_EACH_FATE = 10;
export const SAMPLE_SIZE = SAMPLE_SPREAD + 2 * SAMPLE_EACH_FATE;
const MAX_PROBLEMS = 20;

/** The fields compared, as bench/mapping.yaml must map them. */
interface ExpectedContact {
  name: string;
  surname: string;
  company: string;
  email: string;
  numoffice: string;
  nummobile: string;
  numhome: string;
  numfax: string;
}

const euros = new Intl.NumberFormat("it-IT", { style: "currency", currency: "EUR" });
const days = new Intl.DateTimeFormat("it-IT", { dateStyle: "medium", timeZone: "UTC" });

function expectedOf(contact: BenchContact): ExpectedContact {
  return {
    name: contact.first,
    surname: contact.last,
    company: contact.company,
    email: contact.email,
    numoffice: contact.phone.expected,
    nummobile: contact.mobile.expected,
    numhome: contact.home?.expected ?? "",
    numfax: contact.fax?.expected ?? "",
  };
}

function expectedExtInfo(contact: BenchContact): ExtInfoBlock[] {
  const [day, month, year] = contact.lastOrder.split("/").map(Number);
  return [
    { caption: "Credit limit", value: euros.format(Number(contact.credit.replace(/,/g, ""))) },
    { caption: "Last order", value: days.format(Date.UTC(year ?? 0, (month ?? 1) - 1, day ?? 1)) },
    { caption: "Sales agent", value: contact.agent },
  ];
}

function differences(id: string, expected: ExpectedContact, actual: Readonly<Record<keyof ExpectedContact, string>>): string[] {
  return (Object.keys(expected) as (keyof ExpectedContact)[])
    .filter((field) => expected[field] !== actual[field])
    .map((field) => `${id}: ${field} is ${JSON.stringify(actual[field])}, expected ${JSON.stringify(expected[field])}`);
}

export type CheckMode = "all" | "sample";

/** Problems found (empty when the phonebook is right). */
export async function verifyPhonebook(
  emulator: EmulatorProcess,
  sources: GeneratedSources,
  appName: string,
  mode: CheckMode = sources.rows <= FULL_CHECK_MAX ? "all" : "sample",
): Promise<string[]> {
  const expectedCount = sources.rows - sources.removedRows;
  const { contacts } = await emulator.stats();
  const problems: string[] = [];
  if (contacts !== expectedCount) problems.push(`the emulator holds ${contacts} contacts, expected ${expectedCount} (${sources.rows} rows - ${sources.removedRows} removed)`);
  const found = mode === "all" ? await checkAll(emulator, sources, appName) : await checkSample(emulator, sources, appName);
  return [...problems, ...found].slice(0, MAX_PROBLEMS);
}

async function checkAll(emulator: EmulatorProcess, sources: GeneratedSources, appName: string): Promise<string[]> {
  const stored = new Map<string, StoredContact>();
  const problems: string[] = [];
  for (const contact of await emulator.contacts()) {
    if (contact.uc_app_name !== appName || contact.uc_external_id === null) problems.push(`contact ${contact.id} is not one of ${appName}'s`);
    else stored.set(contact.uc_external_id, contact);
  }
  for (let row = 1; row <= sources.rows && problems.length < MAX_PROBLEMS; row++) {
    const id = externalIdOf(row);
    const actual = stored.get(id);
    stored.delete(id);
    if (fateOf(row) === "removed") {
      if (actual) problems.push(`${id} was removed from the source but is still on the PBX`);
      continue;
    }
    if (!actual) {
      problems.push(`${id} is missing from the PBX`);
      continue;
    }
    const contact = contactAt(row, sources.companies, true);
    problems.push(...differences(id, expectedOf(contact), actual));
    const extInfo = JSON.stringify(actual.ext_info);
    const wanted = JSON.stringify(expectedExtInfo(contact));
    if (extInfo !== wanted) problems.push(`${id}: ext_info is ${extInfo}, expected ${wanted}`);
  }
  if (stored.size > 0) problems.push(`${stored.size} contacts on the PBX are in no source, e.g. ${[...stored.keys()].slice(0, 3).join(", ")}`);
  return problems;
}

/** Rows spread over the source, plus the first edited and removed ones; each looked up with get_phonebook. */
function sampleRows(rows: number): number[] {
  const picked = new Set<number>();
  for (let k = 0; k < SAMPLE_SPREAD; k++) picked.add(1 + Math.floor((k * rows) / SAMPLE_SPREAD));
  let edited = 0;
  let removed = 0;
  for (let row = 1; row <= rows && (edited < SAMPLE_EACH_FATE || removed < SAMPLE_EACH_FATE); row++) {
    const fate = fateOf(row);
    if (fate === "edited" && edited++ < SAMPLE_EACH_FATE) picked.add(row);
    if (fate === "removed" && removed++ < SAMPLE_EACH_FATE) picked.add(row);
  }
  return [...picked];
}

async function checkSample(emulator: EmulatorProcess, sources: GeneratedSources, appName: string): Promise<string[]> {
  const client = new PbxClient({ url: emulator.url, token: emulator.token });
  const problems: string[] = [];
  try {
    for (const row of sampleRows(sources.rows)) await checkOne(client, row, sources, appName, problems);
  } finally {
    await client.close();
  }
  return problems;
}

async function checkOne(client: PbxClient, row: number, sources: GeneratedSources, appName: string, problems: string[]): Promise<void> {
  const id = externalIdOf(row);
  const contact = contactAt(row, sources.companies, true);
  // The e-mail holds the row number, so it finds this one contact (or none).
  const entries = (await client.getPhonebook(contact.email)).filter((entry) => entry.uc_app_name === appName && entry.uc_external_id === id);
  if (fateOf(row) === "removed") {
    if (entries.length > 0) problems.push(`${id} was removed from the source but is still on the PBX`);
    return;
  }
  const [entry, ...more] = entries;
  if (!entry) problems.push(`${id} is missing from the PBX`);
  else if (more.length > 0) problems.push(`${id} is on the PBX ${entries.length} times`);
  else {
    const actual = { ...entry, numoffice: entry.office, nummobile: entry.mobile, numhome: entry.home, numfax: entry.fax };
    problems.push(...differences(id, expectedOf(contact), actual));
  }
}

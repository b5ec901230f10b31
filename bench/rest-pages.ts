// The benchmark's contacts as a REST API's pages: the same rows as the generated CSV (bench/generate.ts), as nested
// JSON records, written once per N into a file per variant (whole, edited) with an index of where each page lies.
import { createWriteStream, type WriteStream } from "node:fs";
import { once } from "node:events";
import { writeFile } from "node:fs/promises";
import path from "node:path";
import { companiesFor, contactAt, fateOf, type BenchContact } from "./source/contacts.js";

/** Records per page, and the `limit` the API insists on. */
export const REST_PAGE_SIZE = 1_000;
export type RestVariant = "whole" | "edited";
export const REST_VARIANTS: readonly RestVariant[] = ["whole", "edited"];

/** Where a variant's pages are: one file of page bodies back to back, and each page's [offset, length] in it. */
export interface RestPageIndex {
  pageSize: number;
  records: number;
  pages: Array<[number, number]>;
}

export function pagesFile(dir: string, variant: RestVariant): string {
  return path.join(dir, `rest-${variant}.pages`);
}

export function indexFile(dir: string, variant: RestVariant): string {
  return path.join(dir, `rest-${variant}.index.json`);
}

/** Contact i as a CRM's JSON API gives it: names and the company in objects, labelled lists of e-mails and phones. */
export function restRecord(contact: BenchContact): Record<string, unknown> {
  const phones: Array<{ label: string; value: string }> = [
    { label: "work", value: contact.phone.text },
    { label: "mobile", value: contact.mobile.text },
  ];
  if (contact.home) phones.push({ label: "home", value: contact.home.text });
  if (contact.fax) phones.push({ label: "fax", value: contact.fax.text });
  return {
    id: contact.id,
    name: { first: contact.first, last: contact.last },
    company: { name: contact.company },
    address: { country: contact.country },
    emails: [{ address: contact.email, primary: true }],
    phones,
    account: { creditLimit: contact.credit, lastOrder: contact.lastOrder, salesAgent: contact.agent },
  };
}

/** One page's body: its records, and the cursor of the next page unless it is the last. */
function pageBody(records: readonly string[], next: number | null): string {
  return `{"data":[${records.join(",")}],"paging":{${next === null ? "" : `"next":"${next}"`}}}`;
}

/** Writes one variant's pages, a page at a time, and notes where each lies. */
class PageWriter {
  readonly index: RestPageIndex = { pageSize: REST_PAGE_SIZE, records: 0, pages: [] };
  private readonly out: WriteStream;
  private offset = 0;
  private page: string[] = [];

  constructor(
    private readonly dir: string,
    private readonly variant: RestVariant,
  ) {
    this.out = createWriteStream(pagesFile(dir, variant));
  }

  async add(record: string): Promise<void> {
    if (this.page.length === REST_PAGE_SIZE) await this.flush(false);
    this.page.push(record);
    this.index.records++;
  }

  async close(): Promise<RestPageIndex> {
    await this.flush(true);
    this.out.end();
    await once(this.out, "finish");
    await writeFile(indexFile(this.dir, this.variant), JSON.stringify(this.index));
    return this.index;
  }

  private async flush(last: boolean): Promise<void> {
    const body = pageBody(this.page, last ? null : this.index.pages.length + 1);
    const length = Buffer.byteLength(body);
    this.index.pages.push([this.offset, length]);
    this.offset += length;
    this.page = [];
    if (!this.out.write(body)) await once(this.out, "drain");
  }
}

/** Writes both variants' pages into `dir` in one pass: rows 1..n, and the edited variant (edits applied, removed rows left out). */
export async function writeRestPages(dir: string, n: number): Promise<Record<RestVariant, RestPageIndex>> {
  const companies = companiesFor(n);
  const whole = new PageWriter(dir, "whole");
  const edited = new PageWriter(dir, "edited");
  for (let row = 1; row <= n; row++) {
    const record = JSON.stringify(restRecord(contactAt(row, companies)));
    await whole.add(record);
    const fate = fateOf(row);
    if (fate === "kept") await edited.add(record);
    else if (fate === "edited") await edited.add(JSON.stringify(restRecord(contactAt(row, companies, true))));
  }
  return { whole: await whole.close(), edited: await edited.close() };
}

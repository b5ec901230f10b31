// The soak's CSV source: the benchmark's generated contacts, edited in place between runs (renames, one removed, one added).
import { rename, writeFile } from "node:fs/promises";
import { csvLine } from "./generate.js";
import { companiesFor, contactAt, CSV_HEADER, csvValues } from "./source/contacts.js";

/** Column of the first name in CSV_HEADER: the field a rename changes (the PBX's `name`). */
const FIRST_NAME = CSV_HEADER.indexOf("first_name");

/** What one edit did, so the run that picks it up can be checked against it. */
export interface SourceEdit {
  renamed: string[];
  removed: string;
  added: string;
}

export class SoakSource {
  /** External id -> the row's values, in file order (a Map keeps insertion order). */
  private readonly rows = new Map<string, string[]>();
  /** External id -> the generated first name, so renames do not pile up suffixes. */
  private readonly firstNames = new Map<string, string>();
  private readonly companies: number;
  private nextRow: number;
  edits = 0;

  constructor(
    readonly file: string,
    contacts: number,
  ) {
    this.companies = companiesFor(contacts);
    for (let row = 1; row <= contacts; row++) this.add(row);
    this.nextRow = contacts + 1;
  }

  get size(): number {
    return this.rows.size;
  }

  ids(): string[] {
    return [...this.rows.keys()];
  }

  /** The first name the PBX must hold for the contact (the mapping sends it as `name`). */
  firstNameOf(id: string): string | undefined {
    return this.rows.get(id)?.[FIRST_NAME];
  }

  /** Renames `share` of the rows (at least one), removes the oldest row, adds a new one; then writes the file. */
  async edit(share: number): Promise<SourceEdit> {
    this.edits += 1;
    const [removed] = this.rows.keys();
    if (removed === undefined) throw new Error("the soak source is empty");
    this.rows.delete(removed);
    this.firstNames.delete(removed);
    const ids = this.ids();
    const count = Math.max(1, Math.round(ids.length * share));
    const step = Math.floor(ids.length / count);
    const renamed: string[] = [];
    for (let i = 0; i < count; i++) {
      // Spread over the file and shifted by the edit number, so every edit renames other rows.
      const id = ids[(i * step + this.edits) % ids.length];
      const values = id === undefined ? undefined : this.rows.get(id);
      if (id === undefined || !values) continue;
      values[FIRST_NAME] = `${this.firstNames.get(id) ?? "Renamed"} v${this.edits}`;
      renamed.push(id);
    }
    const added = this.add(this.nextRow++);
    await this.write();
    return { renamed, removed, added };
  }

  /** Writes the whole file under another name and renames it over the old one: a run never reads half a file. */
  async write(): Promise<void> {
    const lines = [csvLine(CSV_HEADER)];
    for (const values of this.rows.values()) lines.push(csvLine(values));
    const partial = `${this.file}.partial`;
    await writeFile(partial, lines.join(""));
    await rename(partial, this.file);
  }

  private add(row: number): string {
    const values = csvValues(contactAt(row, this.companies));
    const id = values[0] ?? String(row);
    this.rows.set(id, values);
    this.firstNames.set(id, values[FIRST_NAME] ?? "");
    return id;
  }
}

// The emulator's phonebook: contacts in SQLite (a file or memory), unique on (uc_app_name, uc_external_id).
import Database from "better-sqlite3";
import type { ExtInfoBlock } from "../pbx/contact.js";
import type { StoredContact } from "./types.js";

/** The stored text fields, in the guide's order. */
export const CONTACT_FIELDS = [
  "name",
  "surname",
  "company",
  "numoffice",
  "numhome",
  "nummobile",
  "numsms",
  "nummobil2",
  "numfax",
  "numother",
  "email",
] as const;
export type ContactField = (typeof CONTACT_FIELDS)[number];

/** A contact's stored values without its id. */
export type ContactValues = Record<ContactField, string> & { ext_info: ExtInfoBlock[] };

/** The fields get_phonebook searches: the guide lists name, surname, company, email and the numbers. */
const SEARCHED = ["name", "surname", "company", "email", "numoffice", "numhome", "nummobile", "numfax", "numother"] as const;

const SCHEMA = `
CREATE TABLE IF NOT EXISTS contacts (
  id INTEGER PRIMARY KEY AUTOINCREMENT,
  ${CONTACT_FIELDS.map((field) => `${field} TEXT NOT NULL DEFAULT ''`).join(",\n  ")},
  uc_app_name TEXT,
  uc_external_id TEXT,
  ext_info TEXT NOT NULL DEFAULT '[]',
  is_favourite INTEGER NOT NULL DEFAULT 0,
  created_at TEXT NOT NULL,
  updated_at TEXT NOT NULL,
  UNIQUE (uc_app_name, uc_external_id)
)`;

interface Row extends Record<ContactField, string> {
  id: number;
  uc_app_name: string | null;
  uc_external_id: string | null;
  ext_info: string;
  is_favourite: number;
}

export class Phonebook {
  private readonly db: Database.Database;
  private readonly statements;

  constructor(dbFile: string | undefined) {
    this.db = new Database(dbFile ?? ":memory:");
    if (dbFile) this.db.pragma("journal_mode = WAL");
    this.db.exec(SCHEMA);
    const assignments = CONTACT_FIELDS.map((field) => `${field} = @${field}`).join(", ");
    this.statements = {
      byCoordinates: this.db.prepare<[string, string], Row>("SELECT * FROM contacts WHERE uc_app_name = ? AND uc_external_id = ?"),
      byId: this.db.prepare<[number], Row>("SELECT * FROM contacts WHERE id = ?"),
      insert: this.db.prepare(
        `INSERT INTO contacts (${CONTACT_FIELDS.join(", ")}, uc_app_name, uc_external_id, ext_info, created_at, updated_at)
         VALUES (${CONTACT_FIELDS.map((field) => `@${field}`).join(", ")}, @uc_app_name, @uc_external_id, @ext_info, @now, @now)`,
      ),
      update: this.db.prepare(`UPDATE contacts SET ${assignments}, ext_info = @ext_info, updated_at = @now WHERE id = @id`),
      deleteById: this.db.prepare<[number]>("DELETE FROM contacts WHERE id = ?"),
      all: this.db.prepare<[], Row>("SELECT * FROM contacts ORDER BY id"),
      count: this.db.prepare<[], { n: number }>("SELECT COUNT(*) AS n FROM contacts"),
      search: this.db.prepare<{ pattern: string; limit: number }, Row>(
        `SELECT * FROM contacts WHERE ${SEARCHED.map((field) => `${field} LIKE @pattern ESCAPE '\\'`).join(" OR ")} ORDER BY id LIMIT @limit`,
      ),
      clear: this.db.prepare("DELETE FROM contacts"),
    };
  }

  /** Runs `work` in one transaction: a whole request's contacts are stored together. */
  transaction<T>(work: () => T): T {
    return this.db.transaction(work)();
  }

  /** Inserts or overwrites the contact with these coordinates; says which it did. */
  upsert(appName: string, externalId: string, values: ContactValues): { id: number; act: "insert" | "update" } {
    const existing = this.statements.byCoordinates.get(appName, externalId);
    const params = { ...values, ext_info: JSON.stringify(values.ext_info), now: new Date().toISOString() };
    if (existing) {
      this.statements.update.run({ ...params, id: existing.id });
      return { id: existing.id, act: "update" };
    }
    const inserted = this.statements.insert.run({ ...params, uc_app_name: appName, uc_external_id: externalId });
    return { id: Number(inserted.lastInsertRowid), act: "insert" };
  }

  /** add_phonebook: a PBX contact without sync coordinates. */
  add(values: ContactValues): number {
    const params = { ...values, ext_info: JSON.stringify(values.ext_info), now: new Date().toISOString() };
    return Number(this.statements.insert.run({ ...params, uc_app_name: null, uc_external_id: null }).lastInsertRowid);
  }

  /** update_phonebook: overwrites the given fields; false when there is no such contact. */
  update(id: number, fields: Partial<Record<ContactField, string>>): boolean {
    const row = this.statements.byId.get(id);
    if (!row) return false;
    const current = toContact(row);
    this.statements.update.run({
      ...current,
      ...fields,
      ext_info: JSON.stringify(current.ext_info),
      now: new Date().toISOString(),
      id,
    });
    return true;
  }

  /** Deletes by PBX id; false when there is no such contact. */
  deleteById(id: number): boolean {
    return this.statements.deleteById.run(id).changes > 0;
  }

  /** Deletes a synchronized contact by its coordinates; false when there is no such contact. */
  deleteByCoordinates(appName: string, externalId: string): boolean {
    const row = this.statements.byCoordinates.get(appName, externalId);
    return row ? this.deleteById(row.id) : false;
  }

  find(appName: string, externalId: string): StoredContact | undefined {
    const row = this.statements.byCoordinates.get(appName, externalId);
    return row ? toContact(row) : undefined;
  }

  get(id: number): StoredContact | undefined {
    const row = this.statements.byId.get(id);
    return row ? toContact(row) : undefined;
  }

  /** get_phonebook: contacts with `search` in a searched field, case-insensitive; all when it is empty. */
  search(search: string, limit: number): StoredContact[] {
    const pattern = `%${search.replace(/[\\%_]/g, (char) => `\\${char}`)}%`;
    return this.statements.search.all({ pattern, limit }).map(toContact);
  }

  all(): StoredContact[] {
    return this.statements.all.all().map(toContact);
  }

  count(): number {
    return this.statements.count.get()?.n ?? 0;
  }

  clear(): void {
    this.statements.clear.run();
  }

  close(): void {
    this.db.close();
  }
}

function toContact(row: Row): StoredContact {
  const contact = { id: row.id } as StoredContact;
  for (const field of CONTACT_FIELDS) contact[field] = row[field];
  contact.uc_app_name = row.uc_app_name;
  contact.uc_external_id = row.uc_external_id;
  contact.ext_info = JSON.parse(row.ext_info) as ExtInfoBlock[];
  contact.is_favourite = row.is_favourite === 1;
  return contact;
}

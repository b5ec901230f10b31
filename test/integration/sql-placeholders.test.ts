// `?`, `??`, `$1` and `:name` in an SQL source's own text (where, query) on real SQLite, MariaDB and PostgreSQL:
// inside quotes and comments they reach the database as written, beside the connector's own bound values.
import path from "node:path";
import knexFactory, { type Knex } from "knex";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { sqlConnector, type SqlConfig } from "../../connectors/sql.js";
import { refOf, type SourceItem } from "../../connectors/types.js";
import { parseConfig } from "../../src/config/index.js";
import { dbServer, freshDatabase } from "../helpers/databases.js";
import { tempDir } from "../helpers/temp.js";

let dir: string;
beforeAll(async () => {
  dir = await tempDir("pbsync-sql-q-");
});
const sqliteHandles: Knex[] = [];
afterAll(async () => {
  await Promise.all(sqliteHandles.map((knex) => knex.destroy()));
});

type Client = SqlConfig["client"];

interface Target {
  base: Pick<SqlConfig, "client" | "connection" | "filename">;
  knex: Knex;
}

async function sqliteTarget(): Promise<Target> {
  const filename = path.join(dir, `notes-${Date.now()}.sqlite`);
  const knex = knexFactory({ client: "better-sqlite3", connection: { filename }, useNullAsDefault: true });
  sqliteHandles.push(knex);
  return { base: { client: "sqlite", filename }, knex };
}

async function serverTarget(kind: "mysqlServer" | "postgresServer"): Promise<Target | string> {
  const found = dbServer(kind);
  if ("unavailable" in found) return found.unavailable;
  const fresh = await freshDatabase(found.server, "sql_placeholders");
  return { base: { client: found.server.client, connection: fresh.connection }, knex: fresh.knex };
}

const targets: Array<[string, () => Promise<Target | string>]> = [
  ["SQLite", sqliteTarget],
  ["MariaDB", () => serverTarget("mysqlServer")],
  ["PostgreSQL", () => serverTarget("postgresServer")],
];

/** The rows: notes that look like placeholders, a near miss of each, a NULL, and one row with "ok?" = 0. */
const NOTES: Array<[number, string | null]> = [
  [1, "why?"],
  [2, "plain"],
  [3, "why?"],
  [4, "it's?"],
  [5, "??"],
  [6, ":min"],
  [7, "$1"],
  [8, "a?b"],
  [9, null],
  [10, "fine"],
  [11, "really??"],
  [12, "done"],
  [13, "why"],
  [14, "it's"],
];

/** A name in the database's own quotes: backticks on MariaDB, double quotes elsewhere. */
function quoted(client: Client, name: string): string {
  return client === "mysql" ? `\`${name}\`` : `"${name}"`;
}

/** Test setup SQL through a plain knex, which on PostgreSQL takes every `?` for a placeholder unless escaped. */
function setupSql(knex: Knex, client: Client, sql: string): Knex.Raw {
  return knex.raw(client === "pg" ? sql.replaceAll("?", "\\?") : sql);
}

async function seedNotes(target: Target): Promise<void> {
  const { knex } = target;
  const client = target.base.client;
  await knex.schema.dropTableIfExists("notes");
  const types = { mysql: ["varchar(40)", "datetime"], pg: ["varchar(40)", "timestamp"], sqlite: ["text", "text"] }[client];
  await setupSql(knex, client, `create table notes (id integer primary key, note ${types[0]} null, modified_at ${types[1]} null, ${quoted(client, "ok?")} integer not null default 1)`);
  await knex("notes").insert(NOTES.map(([id, note]) => ({ id, note, modified_at: "2024-05-01 09:00:00" })));
  await setupSql(knex, client, `update notes set ${quoted(client, "ok?")} = 0 where id = 10`);
}

async function readAll(config: SqlConfig, since?: string): Promise<SourceItem[]> {
  const items: SourceItem[] = [];
  for await (const item of sqlConnector.read(config, { baseDir: dir, ...(since === undefined ? {} : { since }) })) items.push(item);
  return items;
}

/** The refs of the items of one kind, in the order read. */
function refs(items: SourceItem[], kind: SourceItem["kind"]): Array<string | undefined> {
  return items.filter((item) => item.kind === kind).map(refOf);
}

function ids(...list: number[]): string[] {
  return list.map((id) => `id ${id}`);
}

for (const [name, makeTarget] of targets) {
  describe(`SQL source text with ? on ${name}`, () => {
    let target: Target | string;
    beforeAll(async () => {
      target = await makeTarget();
      if (typeof target !== "string") await seedNotes(target);
    });
    const ready = (): Target => {
      if (typeof target === "string") throw new Error(`cannot run: ${target}`);
      return target;
    };
    const config = (rest: Partial<SqlConfig>): SqlConfig => sqlConnector.configSchema.parse({ type: "sql", ...ready().base, key: "id", ...rest });

    it("reads a table whose where has ? and ?? in quotes, doubled quotes, a quoted name with ? and a -- comment, in pages of 3", async () => {
      const t = ready();
      const client = t.base.client;
      const where = `note <> 'why?' and note <> 'it''s?' and note <> '??' and ${quoted(client, "ok?")} = 1 -- not why?, ?? nor it's?`;
      const items = await readAll(config({ table: "notes", where, pageSize: 3 }));
      expect(items.map(refOf)).toEqual(ids(2, 6, 7, 8, 11, 12, 13, 14));
      expect(items.map((item) => (item.kind === "record" ? item.fields["note"] : item.kind))).toEqual(["plain", ":min", "$1", "a?b", "really??", "done", "why", "it's"]);
      expect((await sqlConnector.check(config({ table: "notes", where, pageSize: 3 }), { baseDir: dir })).columns).toEqual(["id", "note", "modified_at", "ok?"]);
    });

    it("reads a query with ?, ?? and :min in quotes beside the :min parameter, a ? in quoted names and a comment, in pages of 2", async () => {
      const t = ready();
      const q = (id: string) => quoted(t.base.client, id);
      const query = `select id, note, ${q("ok?")} as ${q("flag?")}, 'a ?? b' as ${q("lit??")}
  from notes
 where (note in ('why?', 'it''s?', '??', 'a?b', ':min', '$1') or note like '%??')
   and id >= :min -- a ? here, and ?? and 'it''s? too;`;
      const items = await readAll(config({ query, params: { min: 2 }, pageSize: 2 }));
      expect(items.map(refOf)).toEqual(ids(3, 4, 5, 6, 7, 8, 11));
      expect(items.map((item) => (item.kind === "record" ? item.fields["note"] : item.kind))).toEqual(["why?", "it's?", "??", ":min", "$1", "a?b", "really??"]);
      expect(items[0]).toEqual({ kind: "record", ref: "id 3", fields: { id: 3, note: "why?", "flag?": 1, "lit??": "a ?? b" } });
    });

    it("reads incrementally with ? in quotes: the watermark, then only the rows changed since whole and the others as keys", async () => {
      const t = ready();
      const query = `select id, note, modified_at from notes where note in ('why?', 'it''s?', '??', 'a?b', 'really??') /* not 'why' ? */`;
      const source = config({ query, incremental: { column: "modified_at" }, pageSize: 2 });
      const first = await readAll(source);
      expect(first[0]).toEqual({ kind: "watermark", value: expect.stringMatching(/^2024-05-01[ T]09:00:00/) });
      expect(refs(first, "record")).toEqual(ids(1, 3, 4, 5, 8, 11));

      await t.knex("notes").whereIn("id", [4, 11]).update({ modified_at: "2024-06-01 10:00:00" });
      await t.knex("notes").where({ id: 12 }).update({ modified_at: "2024-07-01 10:00:00" });
      const second = await readAll(source, "2024-05-02 00:00:00");
      expect(second[0]).toEqual({ kind: "watermark", value: expect.stringMatching(/^2024-06-01[ T]10:00:00/) });
      expect(refs(second, "record")).toEqual(ids(4, 11));
      expect(refs(second, "present")).toEqual(ids(1, 3, 5, 8));
      expect(second.find((item) => item.kind === "record")).toMatchObject({ fields: { id: 4, note: "it's?" } });

      const table = config({ table: "notes", where: "note like '%?' or note = '??' -- ?", incremental: { column: "modified_at" }, pageSize: 2 });
      const changed = await readAll(table, "2024-05-02 00:00:00");
      expect(refs(changed, "record")).toEqual(ids(4, 11));
      expect(refs(changed, "present")).toEqual(ids(1, 3, 5));
    });

    const extras: Record<string, { where: string; expected: number[] }> = {
      // MariaDB: "..." is a string, a backslash escapes a quote, # starts a comment.
      MariaDB: { where: "note <> \"why?\" and note <> 'it\\'s?' /* not ?? */ and note <> '??' # nor ?", expected: [2, 6, 7, 8, 10, 11, 12, 13, 14] },
      // PostgreSQL: dollar quotes, E'' strings, nested comments, a cast, the jsonb operator ? and a '$1' that is text.
      PostgreSQL: {
        where: `note <> $$why?$$ and note <> E'it\\'s?' and note <> $q$??$q$ and '{"a": 1}'::jsonb ? 'a' /* not /* ? */ ?? */ and note::text <> '$1'`,
        expected: [2, 6, 8, 10, 11, 12, 13, 14],
      },
      // SQLite: [...] and backticks quote names too.
      SQLite: { where: "note <> 'why?' and [ok?] = 1 and `ok?` = 1 /* ?? */ and note <> 'it''s?'", expected: [2, 5, 6, 7, 8, 11, 12, 13, 14] },
    };
    const extra = extras[name];
    if (extra) {
      it(`reads a where with ${name}'s own quotes and comments holding ?`, async () => {
        const items = await readAll(config({ table: "notes", where: extra.where, pageSize: 3 }));
        expect(items.map(refOf)).toEqual(ids(...extra.expected));
      });
    }
  });
}

describe("SQL source text with ? in the configuration check", () => {
  function configText(source: string): string {
    return `pbx: { url: "http://127.0.0.1:1/PBX/seri_endpoint.php", token: tok-sql-placeholders }
jobs:
  - name: crm
    appName: CRM
    source:
      type: sql
${source.replace(/^/gm, "      ")}
      key: id
    mapping: ./mapping.yaml
`;
  }
  const mysql = 'client: mysql\nconnection: { host: db, user: u, password: p, database: crm }';
  const pg = 'client: pg\nconnection: { host: db, user: u, password: p, database: crm }';
  const sqlite = "client: sqlite\nfilename: ./crm.sqlite";
  const parse = (source: string) => parseConfig(configText(source), path.join(dir, "config.yaml"));

  it("refuses a ? outside quotes on MySQL and SQLite, naming the job's where or query, the place and the fix", () => {
    expect(() => parse(`${mysql}\ntable: notes\nwhere: "note = ? or note = 'why?'"`)).toThrow(
      /config\.yaml:\d+: jobs\[0\]\.source\.where: "\?" at line 1, column 8 is outside quotes, where MySQL\/MariaDB reads it as a placeholder[^\n]*write the value itself/,
    );
    expect(() => parse(`${sqlite}\nquery: |\n  select id from notes\n   where id > ??`)).toThrow(
      /jobs\[0\]\.source\.query: "\?\?" at line 2, column 13 is outside quotes, where SQLite reads it as a placeholder[^\n]*:name placeholder with its value in params/,
    );
  });

  it("refuses $1 outside quotes on PostgreSQL, a quote or comment never closed, and a parameter named like the source's own", () => {
    expect(() => parse(`${pg}\nquery: "select id from notes where id > $1"`)).toThrow(/jobs\[0\]\.source\.query: "\$1" at line 1, column 33 is a PostgreSQL placeholder outside quotes/);
    expect(() => parse(`${mysql}\ntable: notes\nwhere: "note <> 'why?"`)).toThrow(/jobs\[0\]\.source\.where: the string '\.\.\.' opened at line 1, column 9 is never closed/);
    expect(() => parse(`${pg}\ntable: notes\nwhere: "note <> 'a' /* ?"`)).toThrow(/jobs\[0\]\.source\.where: the comment \/\* \*\/ opened at line 1, column 13 is never closed/);
    expect(() => parse(`${sqlite}\nquery: "select id from notes where id > :__after"\nparams: { __after: 1 }`)).toThrow(/jobs\[0\]\.source\.params\.__after: names that start with __ are the source's own/);
  });

  it("accepts ? in quotes and comments everywhere, and PostgreSQL's jsonb operator ? and $1 in quotes", () => {
    expect(parse(`${mysql}\ntable: notes\nwhere: "note <> 'why?' and \`ok?\` = 1 # ?"`).jobs).toHaveLength(1);
    expect(parse(`${sqlite}\nquery: "select id from notes where note <> 'it''s?' -- ??"`).jobs).toHaveLength(1);
    expect(parse(`${pg}\ntable: notes\nwhere: "data ? 'email' and note <> '$1' and note <> $q$?$q$"`).jobs).toHaveLength(1);
  });
});

// The SQL source's configuration: which database (MySQL/MariaDB, PostgreSQL, SQLite), and which rows (a query or a table).
import { z } from "zod";
import { sqlTextProblems } from "./sql-text.js";

const CLIENT_ALIASES: Readonly<Record<string, string>> = {
  mariadb: "mysql",
  mysql2: "mysql",
  postgres: "pg",
  postgresql: "pg",
  sqlite3: "sqlite",
  "better-sqlite3": "sqlite",
};

export const SQL_CLIENTS = ["mysql", "pg", "sqlite"] as const;
export type SqlClient = (typeof SQL_CLIENTS)[number];

const client = z.preprocess(
  (value) => (typeof value === "string" ? (CLIENT_ALIASES[value.toLowerCase()] ?? value.toLowerCase()) : value),
  z.enum(SQL_CLIENTS, { message: "use mysql (also for MariaDB), pg (PostgreSQL) or sqlite" }),
);

/** TLS to the database server: `true` (system CAs), or a CA file for a private CA; verification stays on unless said. */
const ssl = z.union([
  z.boolean(),
  z
    .strictObject({
      /** PEM file of the CA that signed the server's certificate, relative to the configuration file. */
      caFile: z.string().min(1).optional(),
      rejectUnauthorized: z.boolean().default(true),
    })
    .describe("TLS settings"),
]);

const connection = z.strictObject({
  host: z.string().min(1, { message: "give the database server's host" }),
  port: z.number().int().min(1).max(65_535).optional(),
  user: z.string().min(1, { message: "give the database user (a read-only one is enough)" }),
  /** Secret: write ${CRM_DB_PASSWORD} and export the variable. */
  password: z.string().optional().describe("secret"),
  database: z.string().min(1, { message: "give the database name" }),
  ssl: ssl.optional(),
});

const tableName = z
  .string()
  .min(1)
  .max(128)
  .regex(/^[A-Za-z_][A-Za-z0-9_$]*(\.[A-Za-z_][A-Za-z0-9_$]*)?$/, { message: "a table name: letters, digits and _ (schema.table allowed)" });

const columnName = z
  .string()
  .min(1)
  .max(128)
  .regex(/^[A-Za-z_][A-Za-z0-9_$]*$/, { message: "a column name as the SELECT returns it: letters, digits and _ (give a join's column an alias)" });

export const sqlConfigSchema = z
  .strictObject({
    type: z.literal("sql"),
    client,
    /** MySQL/MariaDB and PostgreSQL. */
    connection: connection.optional(),
    /** SQLite: the database file, relative to the configuration file. */
    filename: z.string().min(1).optional(),
    /**
     * Any SELECT; `:name` placeholders take their values from `params`. The rest reaches the database as written:
     * a `?` or `:word` inside quotes or a comment is text, a `?` outside quotes (MySQL, SQLite) or `$1` (PostgreSQL)
     * is refused.
     */
    query: z.string().trim().min(1).optional(),
    params: z.record(z.string(), z.union([z.string(), z.number(), z.boolean(), z.null()])).default({}),
    /** Or a table with the columns to read (default all) and an optional SQL condition. */
    table: tableName.optional(),
    columns: z.array(columnName).min(1).optional(),
    where: z.string().trim().min(1).optional(),
    /** The column that identifies a row: the report's ref, and the order the rows are paged in. */
    key: columnName,
    /**
     * Rows per page of the keyset walk. A page is held whole while it is worked through: 1000 rows of a CRM's
     * contact columns are a few MB; 5000 measured 12 to 15 MB more peak memory (npm run bench), for fewer
     * round trips.
     */
    pageSize: z.number().int().min(1).max(100_000).default(1000),
    /**
     * Read only the rows changed since the last complete run (column >= its newest value then, or NULL); the
     * others are read as keys alone, so that deletions still see every row.
     */
    incremental: z.strictObject({ column: columnName }).optional(),
    /** Seconds a query may run before it is cancelled (MySQL and PostgreSQL). */
    queryTimeoutSeconds: z.number().int().min(1).max(86_400).default(300),
  })
  .superRefine((config, ctx) => {
    if (config.client === "sqlite") {
      if (!config.filename) ctx.addIssue({ code: "custom", path: ["filename"], message: "give the SQLite database file (filename)" });
      if (config.connection) ctx.addIssue({ code: "custom", path: ["connection"], message: "an SQLite source has a filename, not a connection" });
    } else {
      if (!config.connection) ctx.addIssue({ code: "custom", path: ["connection"], message: `give the connection (host, user, password, database) of the ${config.client} server` });
      if (config.filename) ctx.addIssue({ code: "custom", path: ["filename"], message: "filename is for SQLite sources; use connection" });
    }
    if (config.query && config.table) ctx.addIssue({ code: "custom", path: ["table"], message: "give either query or table, not both" });
    if (!config.query && !config.table) ctx.addIssue({ code: "custom", path: ["query"], message: "give a query (any SELECT) or a table to read, or use a mapping with a source: block (mappings/suitecrm.yaml)" });
    if (config.query) {
      if (config.columns) ctx.addIssue({ code: "custom", path: ["columns"], message: "columns go with table; a query selects its own columns" });
      if (config.where) ctx.addIssue({ code: "custom", path: ["where"], message: "where goes with table; put the condition in the query" });
    }
    // Quotes, comments and placeholders as the database reads them: checked here, so that validate reports them.
    for (const key of ["query", "where"] as const) {
      const text = config[key];
      if (text !== undefined) for (const message of sqlTextProblems(text, config.client, key)) ctx.addIssue({ code: "custom", path: [key], message });
    }
    for (const name of Object.keys(config.params)) {
      if (name.startsWith("__")) ctx.addIssue({ code: "custom", path: ["params", name], message: "names that start with __ are the source's own (its paging values): rename the parameter" });
    }
  });

export type SqlConfig = z.infer<typeof sqlConfigSchema>;

/** How the source is named in messages: client, user@host:port/database or the file; never the password. */
export function describeSqlSource(config: SqlConfig): string {
  if (config.client === "sqlite") return `sqlite ${config.filename ?? ""}`;
  const c = config.connection;
  const port = c?.port ?? (config.client === "mysql" ? 3306 : 5432);
  return `${config.client} ${c?.user ?? "?"}@${c?.host ?? "?"}:${port}/${c?.database ?? "?"}`;
}

// An SQL source's own text (query, where) read as its database reads it: quoted strings and names and comments
// apart from code, so that knex and the drivers take only what stands in code for a placeholder.
import type { SqlClient } from "./sql-config.js";

/** One stretch of the text: code, a quoted string or name, or a comment. */
export interface SqlPart {
  kind: "code" | "quoted" | "comment";
  text: string;
  /** Where the stretch starts in the whole text. */
  start: number;
  /** False for a quote or a block comment that the text never closes. */
  closed: boolean;
}

interface Opening {
  kind: "quoted" | "comment";
  end: number;
  closed: boolean;
}

/** A character that continues a name: `E'...'` is an escape string, `somE'...'` a name and a string. */
const NAME_CHAR = /[A-Za-z0-9_$\u0080-\uffff]/;
const DOLLAR_TAG = /\$(?:[A-Za-z_\u0080-\uffff][A-Za-z0-9_\u0080-\uffff]*)?\$/y;

/** MySQL's `--` starts a comment only before a space, a control character or the end. */
function isSpaceOrEnd(text: string, at: number): boolean {
  const code = text.charCodeAt(at);
  return Number.isNaN(code) || code <= 32;
}

function isNameChar(ch: string | undefined): boolean {
  return ch !== undefined && NAME_CHAR.test(ch);
}

/** The end of a quote opened at `at`: a doubled quote stands for itself, and so does a backslashed one where `backslash`. */
function quoteEnd(text: string, at: number, backslash: boolean): Opening {
  const quote = text[at];
  for (let i = at + 1; i < text.length; i++) {
    if (backslash && text[i] === "\\") i++;
    else if (text[i] === quote) {
      if (text[i + 1] !== quote) return { kind: "quoted", end: i + 1, closed: true };
      i++;
    }
  }
  return { kind: "quoted", end: text.length, closed: false };
}

function closedBy(text: string, from: number, closing: string, kind: Opening["kind"]): Opening {
  const found = text.indexOf(closing, from);
  return found === -1 ? { kind, end: text.length, closed: false } : { kind, end: found + closing.length, closed: true };
}

/** A block comment; PostgreSQL's nest. */
function blockCommentEnd(text: string, at: number, nests: boolean): Opening {
  let depth = 1;
  for (let i = at + 2; i < text.length - 1; i++) {
    if (text[i] === "*" && text[i + 1] === "/") {
      i++;
      if (--depth === 0) return { kind: "comment", end: i + 1, closed: true };
    } else if (nests && text[i] === "/" && text[i + 1] === "*") {
      i++;
      depth++;
    }
  }
  return { kind: "comment", end: text.length, closed: false };
}

/** A line comment: to the line's end (MySQL's at \n alone, as mysql2 reads it). */
function lineCommentEnd(text: string, from: number, client: SqlClient): Opening {
  const found = text.slice(from).search(client === "mysql" ? /\n/ : /[\r\n]/);
  return { kind: "comment", end: found === -1 ? text.length : from + found, closed: true };
}

/**
 * What starts at `at`, if a quote or comment does. MySQL: "..." is a string and a backslash escapes in strings,
 * `--` needs a space after it, `#` comments, `/*!` and `/*+` are code (as mysql2 reads them too). PostgreSQL:
 * backslashes escape only in E'...', $tag$...$tag$ quotes. SQLite: [...] quotes a name. Backticks quote names on
 * MySQL and SQLite. Settings that change this (ANSI_QUOTES, NO_BACKSLASH_ESCAPES, standard_conforming_strings
 * off) are not followed.
 */
function openingAt(text: string, at: number, client: SqlClient): Opening | undefined {
  const ch = text[at];
  const next = text[at + 1];
  if (ch === "'") {
    const escapeString = client === "pg" && /[eE]/.test(text[at - 1] ?? "") && !isNameChar(text[at - 2]);
    return quoteEnd(text, at, client === "mysql" || escapeString);
  }
  if (ch === '"') return quoteEnd(text, at, client === "mysql");
  if (ch === "`" && client !== "pg") return quoteEnd(text, at, false);
  if (ch === "[" && client === "sqlite") return closedBy(text, at + 1, "]", "quoted");
  if (ch === "#" && client === "mysql") return lineCommentEnd(text, at, client);
  if (ch === "-" && next === "-" && (client !== "mysql" || isSpaceOrEnd(text, at + 2))) return lineCommentEnd(text, at, client);
  if (ch === "/" && next === "*" && !(client === "mysql" && /[!+]/.test(text[at + 2] ?? ""))) return blockCommentEnd(text, at, client === "pg");
  if (ch === "$" && client === "pg" && !isNameChar(text[at - 1])) {
    DOLLAR_TAG.lastIndex = at;
    const tag = DOLLAR_TAG.exec(text)?.[0];
    if (tag !== undefined) return closedBy(text, at + tag.length, tag, "quoted");
  }
  return undefined;
}

/** The text as stretches of code, quotes and comments, in order; joined they give the text back. */
export function sqlParts(text: string, client: SqlClient): SqlPart[] {
  const parts: SqlPart[] = [];
  let code = 0;
  for (let at = 0; at < text.length; ) {
    const opening = openingAt(text, at, client);
    if (!opening) {
      at++;
      continue;
    }
    if (at > code) parts.push({ kind: "code", text: text.slice(code, at), start: code, closed: true });
    parts.push({ kind: opening.kind, text: text.slice(at, opening.end), start: at, closed: opening.closed });
    at = code = opening.end;
  }
  if (code < text.length) parts.push({ kind: "code", text: text.slice(code), start: code, closed: true });
  return parts;
}

/**
 * The text as knex.raw must be given it for the database to get it as written. knex takes `:word` for a named
 * binding wherever it stands: each is escaped (`\:word`, which knex turns back) except, in code, the `params`'
 * placeholders (not after a `:`, which makes it a PostgreSQL cast). On PostgreSQL a `?` in code is the jsonb
 * operator: escaped too, for {@link pgPositionBindings}. A `?` in quotes or comments needs nothing: mysql2,
 * SQLite and pgPositionBindings all leave it there.
 */
export function sqlForKnex(text: string, client: SqlClient, params: ReadonlySet<string>): string {
  return sqlParts(text, client)
    .map(({ kind, text: part }) => {
      const names = kind === "code" ? params : NO_PARAMS;
      const colons = part.replace(/:(\w+)/g, (match, word: string, offset: number) => (names.has(word) && part[offset - 1] !== ":" ? match : `\\${match}`));
      return kind === "code" && client === "pg" ? colons.replaceAll("?", "\\?") : colons;
    })
    .join("");
}

const NO_PARAMS: ReadonlySet<string> = new Set();

/**
 * knex's placeholders as PostgreSQL's `$1, $2, ...`, counting only a `?` in code: knex's own would number one in a
 * string too, and change the string. A `\?` in code is the operator `?`.
 */
export function pgPositionBindings(sql: string): string {
  let count = 0;
  return sqlParts(sql, "pg")
    .map((part) => (part.kind === "code" ? part.text.replace(/\\?\?/g, (match) => (match === "?" ? `$${++count}` : "?")) : part.text))
    .join("");
}

const DATABASE_NAMES: Readonly<Record<SqlClient, string>> = { mysql: "MySQL/MariaDB", pg: "PostgreSQL", sqlite: "SQLite" };

function describeOpening(part: SqlPart, client: SqlClient): string {
  if (part.text.startsWith("/*")) return "comment /* */";
  if (part.text[0] === "$") return `quote ${/^\$[^$]*\$/.exec(part.text)?.[0] ?? "$$"}`;
  if (part.text[0] === '"' && client === "mysql") return 'string "..."';
  return { "'": "string '...'", '"': 'quoted name "..."', "`": "quoted name `...`", "[": "quoted name [...]" }[part.text[0] ?? ""] ?? "quote";
}

function place(text: string, offset: number): string {
  const before = text.slice(0, offset).split("\n");
  return `line ${before.length}, column ${(before.at(-1)?.length ?? 0) + 1}`;
}

/**
 * What makes the text unsafe to read with the connector's own bound values, as messages that say the fix: a quote
 * or comment never closed (the connector's SQL after it would be swallowed), a `?` in code on MySQL or SQLite,
 * a `$1` in code on PostgreSQL (the drivers would bind the connector's values to them).
 */
export function sqlTextProblems(text: string, client: SqlClient, key: "query" | "where"): string[] {
  const problems: string[] = [];
  const instead = key === "query" ? "write the value itself, or a :name placeholder with its value in params" : "write the value itself";
  for (const part of sqlParts(text, client)) {
    if (!part.closed) problems.push(`the ${describeOpening(part, client)} opened at ${place(text, part.start)} is never closed: close it`);
    if (part.kind !== "code") continue;
    const placeholder = client === "pg" ? /(?<![A-Za-z0-9_$\u0080-\uffff])\$\d+/g : /\?+\d*/g;
    for (const match of part.text.matchAll(placeholder)) {
      const at = place(text, part.start + match.index);
      problems.push(
        client === "pg"
          ? `"${match[0]}" at ${at} is a PostgreSQL placeholder outside quotes, and the source binds its own values to those: ${instead}; "${match[0]}" inside quotes is text`
          : `"${match[0]}" at ${at} is outside quotes, where ${DATABASE_NAMES[client]} reads it as a placeholder, and the source binds its own values to those: ${instead}; a ? inside quotes ('why?') is text`,
      );
    }
  }
  return problems;
}

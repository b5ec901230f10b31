// Database values as a mapping reads them: text, numbers and booleans as they are, dates and big numbers as text.

/** A value the mapping can read, or what makes it unreadable (binary data). */
export type SqlValue = string | number | boolean | null | { unreadable: string };

const utf8 = new TextDecoder("utf-8", { fatal: true });

export function sqlValue(value: unknown): SqlValue {
  if (value === null || value === undefined) return null;
  if (typeof value === "string" || typeof value === "boolean") return value;
  if (typeof value === "number") return Number.isFinite(value) ? value : String(value);
  if (typeof value === "bigint") return value.toString();
  if (value instanceof Date) return Number.isNaN(value.getTime()) ? null : value.toISOString();
  if (value instanceof Uint8Array) {
    // MySQL hands VARBINARY and BLOB columns over as bytes; text stored in them is still text.
    try {
      return utf8.decode(value);
    } catch {
      return { unreadable: `${value.length} bytes of binary data` };
    }
  }
  // PostgreSQL json/jsonb and arrays arrive parsed: their JSON text is what a caption can show.
  return JSON.stringify(value);
}

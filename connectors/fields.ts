// Building a record's fields from column names a source hands over, whatever those names are.

/** A plain assignment (the fast path, once per cell), except for "__proto__", which must stay a plain field. */
export function putField(record: Record<string, unknown>, column: string, value: unknown): void {
  if (column === "__proto__") Object.defineProperty(record, column, { value, enumerable: true, writable: true, configurable: true });
  else record[column] = value;
}

// The guide's sanitizing of number fields, and the other cleaning a PBX applies before it stores a contact.

/** Longest text the emulator stores in a field, like a VARCHAR(255) column. */
export const MAX_FIELD_LENGTH = 255;

/**
 * "Strings formed exclusively by numeric characters, at most prefixed with the +": everything else goes. Once the
 * other characters are gone, a "+" before the first digit is the prefix ("(+39) 0733..." keeps it); one after a
 * digit is not. A "+" with no digit after it is no number at all.
 */
export function sanitizeNumber(raw: string): string {
  const digits = raw.replace(/\D+/g, "");
  if (digits === "") return "";
  return raw.lastIndexOf("+", raw.search(/\d/)) >= 0 ? `+${digits}` : digits;
}

/** A value of a JSON body as the text PHP would see: strings as they are, numbers printed, the rest empty. */
export function textOf(value: unknown): string | undefined {
  if (typeof value === "string") return value;
  if (typeof value === "number" && Number.isFinite(value)) return String(value);
  if (typeof value === "boolean") return value ? "1" : "";
  return undefined;
}

/** Cuts a text to the column size; says so when it did. */
export function fitField(field: string, value: string): { value: string; warning?: string } {
  if (value.length <= MAX_FIELD_LENGTH) return { value };
  return { value: value.slice(0, MAX_FIELD_LENGTH), warning: `${field} truncated to ${MAX_FIELD_LENGTH} characters` };
}

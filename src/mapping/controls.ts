// Control characters in the text a contact is made of: C0/C1 controls and bidi overrides never reach the PBX.

/**
 * C0 and C1 controls (NUL, tab, line breaks, escape...) and the bidi embeddings, overrides and isolates
 * (U+202A-U+202E, U+2066-U+2069), which turn "Rossi" into "issoR" on the operator's screen. Zero-width
 * joiners and the left-to-right / right-to-left marks are not among them: emoji and some scripts need them.
 */
// eslint-disable-next-line no-control-regex -- matching control characters is the point
const UNSAFE = /[\u0000-\u001F\u007F-\u009F\u202A-\u202E\u2066-\u2069]/;
/** Line breaks and tabs: they separated words, so a space takes their place (one for a run of them). */
// eslint-disable-next-line no-control-regex -- as above
const BREAKS = /[\t\n\u000B\u000C\r\u0085]+/g;
// eslint-disable-next-line no-control-regex -- as above
const REMOVED = /[\u0000-\u001F\u007F-\u009F\u202A-\u202E\u2066-\u2069]/g;
const LISTED = 5;

/** Whether a text holds a character cleanText would take out. */
export function hasControls(text: string): boolean {
  return UNSAFE.test(text);
}

/**
 * The text without control characters and bidi overrides: line breaks and tabs become a space, the others are
 * removed. When it changed, a warning naming `label` (the field) and the characters goes to `warnings`.
 */
export function cleanText(text: string, label: string, warnings: string[] | undefined): string {
  if (!UNSAFE.test(text)) return text;
  const spaced = text.replace(BREAKS, " ");
  const breaks = spaced === text ? "" : "; line breaks and tabs became spaces";
  warnings?.push(`${label}: control characters removed (${listControls(text)}${breaks})`);
  return spaced.replace(REMOVED, "").trim();
}

/** The text with each control character written as its code point (U+202E), for a message that quotes it. */
export function showControls(text: string): string {
  return text.replace(REMOVED, (ch) => `<${codePoint(ch)}>`);
}

/** The distinct control characters of a text, as U+XXXX, the first few. */
function listControls(text: string): string {
  const found = [...new Set(text.match(REMOVED) ?? [])];
  const shown = found.slice(0, LISTED).map(codePoint).join(", ");
  return found.length > LISTED ? `${shown} and ${found.length - LISTED} more` : shown;
}

function codePoint(ch: string): string {
  return `U+${(ch.codePointAt(0) ?? 0).toString(16).toUpperCase().padStart(4, "0")}`;
}

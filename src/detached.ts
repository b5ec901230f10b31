// Copies of strings that hold nothing else alive. Parsers hand out their fields as slices of the chunk they
// read (V8 keeps a substring of 13 or more characters as a view into its parent), so one kept field keeps its
// whole chunk (128 KB for the CSV reader). A sync keeps few records at a time, but when most rows are
// unchanged the few it keeps (the open batch, the phone cache) come from far apart in the source, and each
// pinned a chunk of its own: tens of MB for a few hundred contacts.

/**
 * The same text in a string of its own. Prepending a character makes a pair that slicing must flatten into
 * a fresh string first; the slice then points into that copy, which is one character longer.
 */
export function detached(text: string): string {
  return text.length < 13 ? text : ` ${text}`.slice(1);
}

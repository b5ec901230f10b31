// The ext_info blocks: caption + value per entry, formatted, in the mapping's order; empty values left out.
import type { ExtInfoBlock } from "../pbx/contact.js";
import type { CompileContext } from "./context.js";
import { cleanText } from "./controls.js";
import { compileFormat } from "./formats.js";
import type { ExtInfoSpec } from "./schema.js";
import { compileRawColumns, compileRead, type Getter } from "./template.js";
import { compileTransforms } from "./transforms.js";
import { toText, type Fields } from "./values.js";

export type ExtInfoBuilder = (fields: Fields, warnings: string[]) => ExtInfoBlock[] | undefined;

export function compileExtInfo(entries: readonly ExtInfoSpec[], ctx: CompileContext): ExtInfoBuilder | undefined {
  if (entries.length === 0) return undefined;
  const getters = entries.map((entry, index) => compileEntry(entry, ["extInfo", index], ctx));
  const captions = entries.map((entry) => entry.caption);
  const labels = captions.map((caption) => `ext_info "${caption}"`);
  const count = entries.length;
  return (fields, warnings) => {
    let blocks: ExtInfoBlock[] | undefined;
    for (let i = 0; i < count; i++) {
      const value = cleanText((getters[i] as EntryGetter)(fields, warnings), labels[i] as string, warnings);
      if (value !== "") (blocks ??= []).push({ caption: captions[i] as string, value });
    }
    return blocks;
  };
}

type EntryGetter = (fields: Fields, warnings: string[]) => string;

/**
 * Order of work: read, then format (on the value as the source gave it, so a SQL number or Date is not
 * first turned into text), then the transforms on the formatted text (a truncate cuts what is shown).
 */
function compileEntry(entry: ExtInfoSpec, path: (string | number)[], ctx: CompileContext): EntryGetter {
  const transform = compileTransforms(entry.transform, [...path, "transform"], ctx);
  const text: Getter = compileRead(entry, path, ctx);
  if (!entry.format) {
    if (!transform) return (fields) => text(fields);
    return (fields) => transform(text(fields));
  }
  const format = compileFormat(entry.format);
  const caption = entry.caption;
  const raw = entry.from ? compileRawColumns(entry.from) : (fields: Fields): unknown => text(fields);
  // An empty value is not formatted, but still goes through the transforms: a `default` must apply here too.
  const empty = transform ? transform("") : "";
  return (fields, warnings) => {
    const value = raw(fields);
    if (value === undefined || toText(value) === "") return empty;
    const formatted = format(value, caption, warnings);
    return transform ? transform(formatted) : formatted;
  };
}

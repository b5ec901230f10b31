// The number fields of a contact: direct fields, spread rules and label/value pairs, filled into 7 slots.
import type { CountryCode } from "libphonenumber-js/min";
import { MAX_NUMBER_LENGTH, NUMBER_FIELDS, type NumberField } from "../pbx/contact.js";
import type { CompileContext } from "./context.js";
import { E164, formatPhone, PhoneParser } from "./phone.js";
import type { MappingSpec, NumberFormat } from "./schema.js";
import { compileColumns, compileSource, type Getter } from "./template.js";
import { toText, type Fields } from "./values.js";

/** One slot per PBX number field, in NUMBER_FIELDS order; "" is empty. */
export type NumberSlots = string[];

const SLOT: Readonly<Record<NumberField, number>> = Object.fromEntries(NUMBER_FIELDS.map((field, index) => [field, index])) as Record<
  NumberField,
  number
>;

export type Unparseable = MappingSpec["unparseable"];

/** Normalizes one number under the mapping's policy; `label` names the field or column in messages. */
class NumberPolicy {
  /** Set when a number asks for the contact to be skipped (unparseable: skip-contact). */
  skipReason: string | undefined;

  constructor(
    private readonly parser: PhoneParser,
    private readonly policy: Unparseable,
  ) {}

  value(raw: string, country: CountryCode, format: NumberFormat, label: string, warnings: string[]): string {
    // Already E.164: nothing to learn from parsing it, and millions of rows may hold nothing else.
    if (format !== "national" && E164.test(raw)) return format === "e164" ? raw : raw.slice(1);
    const parsed = this.parser.parse(raw, country);
    if (parsed.valid) {
      if (parsed.extension !== "") warnings.push(`${label}: extension "${parsed.extension}" of "${raw}" left out (the PBX takes digits only)`);
      return formatPhone(parsed, format);
    }
    const what = raw.startsWith("+") || raw.startsWith("00") ? "a valid international number" : `a valid number for ${country}`;
    if (this.policy === "skip-contact") {
      this.skipReason ??= `${label}: "${raw}" is not ${what}`;
      return "";
    }
    if (this.policy === "drop" || parsed.kept === "" || parsed.kept.length > MAX_NUMBER_LENGTH) {
      warnings.push(`${label}: "${raw}" is not ${parsed.kept === "" ? "a phone number" : what}; left empty`);
      return "";
    }
    const kept = format === "digits" && parsed.kept.startsWith("+") ? parsed.kept.slice(1) : parsed.kept;
    warnings.push(`${label}: "${raw}" is not ${what}; kept digits "${kept}"`);
    return kept;
  }
}

export interface NumberPlan {
  /** Fills the slots; returns a skip reason when a number's policy says to skip the contact. */
  fill(fields: Fields, country: CountryCode, slots: NumberSlots, warnings: string[]): string | undefined;
  /** Whether the national form is used anywhere (it costs a second formatting per number). */
  readonly national: boolean;
}

interface Direct {
  slot: number;
  field: NumberField;
  read: Getter;
  format: NumberFormat;
}

interface Spread {
  reads: { column: string; read: Getter }[];
  slots: number[];
  format: NumberFormat;
}

export function compileNumbers(spec: MappingSpec, ctx: CompileContext): NumberPlan {
  const directs: Direct[] = [];
  for (const field of NUMBER_FIELDS) {
    const source = spec.numbers[field];
    if (!source) continue;
    directs.push({ slot: SLOT[field], field, read: compileSource(source, ["numbers", field], ctx), format: source.format ?? spec.numberFormat });
  }
  const spreads: Spread[] = spec.spread.map((rule, index) => ({
    reads: rule.from.map((column, i) => ({ column, read: compileColumns([column], ["spread", index, "from", i], ctx) })),
    slots: rule.into.map((field) => SLOT[field]),
    format: rule.format ?? spec.numberFormat,
  }));
  const labelled = spec.labelled ? compileLabelled(spec, ctx) : undefined;
  const formats = [...directs.map((d) => d.format), ...spreads.map((s) => s.format), ...(labelled ? [labelled.format] : [])];
  const national = formats.includes("national");
  const parser = new PhoneParser({ homeCountry: spec.defaultCountry as CountryCode, maxShortDigits: spec.extensions.maxDigits, national });
  const policy = new NumberPolicy(parser, spec.unparseable);

  return {
    national,
    fill(fields, country, slots, warnings) {
      policy.skipReason = undefined;
      for (const direct of directs) {
        const raw = direct.read(fields);
        if (raw !== "") slots[direct.slot] = policy.value(raw, country, direct.format, direct.field, warnings);
      }
      for (const spread of spreads) {
        let leftOver: string[] | undefined;
        for (const { column, read } of spread.reads) {
          const raw = read(fields);
          if (raw === "") continue;
          const value = policy.value(raw, country, spread.format, column, warnings);
          if (value === "" || slots.includes(value)) continue;
          const free = spread.slots.find((slot) => slots[slot] === "");
          if (free === undefined) (leftOver ??= []).push(value);
          else slots[free] = value;
        }
        if (leftOver) warnings.push(`spread: no free field for ${leftOver.map((v) => `"${v}"`).join(", ")}; left out`);
      }
      if (labelled) labelled.fill(fields, country, slots, warnings, policy);
      return policy.skipReason;
    },
  };
}

interface LabelledPlan {
  format: NumberFormat;
  fill(fields: Fields, country: CountryCode, slots: NumberSlots, warnings: string[], policy: NumberPolicy): void;
}

/** "* Mobile" and "mobile" are one label: Google marks the primary number with "* ". */
function foldLabel(label: string): string {
  return label.replace(/^\*\s*/, "").trim().toLowerCase();
}

function compileLabelled(spec: MappingSpec, ctx: CompileContext): LabelledPlan {
  const rule = spec.labelled as NonNullable<MappingSpec["labelled"]>;
  const format = rule.format ?? spec.numberFormat;
  const targets = new Map<string, number>();
  for (const [label, target] of Object.entries(rule.labels)) targets.set(foldLabel(label), target === "ignore" ? -1 : SLOT[target]);
  const otherwise = rule.otherwise === "ignore" ? -1 : SLOT[rule.otherwise];
  // Exports hold only as many pairs as their fullest contact needs: a pair whose columns are both absent is skipped.
  const pairs = rule.pairs
    .map((pair, index) => ({ pair, index }))
    .filter(({ pair }) => !(ctx.missing(pair.label) && ctx.missing(pair.value)));
  if (pairs.length === 0) ctx.problems.add(["labelled", "pairs"], "none of the label/value columns is in the source");
  const reads = pairs.map(({ pair, index }) => ({
    column: pair.value,
    label: compileColumns([pair.label], ["labelled", "pairs", index, "label"], ctx),
    value: compileColumns([pair.value], ["labelled", "pairs", index, "value"], ctx),
  }));
  const separator = rule.separator;
  return {
    format,
    fill(fields, country, slots, warnings, policy) {
      for (const read of reads) {
        const cell = read.value(fields);
        if (cell === "") continue;
        const label = read.label(fields);
        const wanted = targets.get(foldLabel(label)) ?? otherwise;
        if (wanted < 0) continue;
        const values = separator !== "" && cell.includes(separator) ? cell.split(separator) : [cell];
        for (const piece of values) {
          const raw = toText(piece);
          if (raw === "") continue;
          const value = policy.value(raw, country, format, read.column, warnings);
          if (value === "" || slots.includes(value)) continue;
          const slot = slots[wanted] === "" ? wanted : otherwise >= 0 && slots[otherwise] === "" ? otherwise : -1;
          if (slot < 0) warnings.push(`${read.column}: no free field for "${value}" (label "${label}"); left out`);
          else slots[slot] = value;
        }
      }
    },
  };
}

/** Fresh empty slots for one row. */
export function emptySlots(): NumberSlots {
  return ["", "", "", "", "", "", ""];
}

export { SLOT as NUMBER_SLOT };

// Formats an ext_info value as a number, an amount of money or a date, with Intl formatters made once.
import type { ValueFormatSpec } from "./schema.js";
import { toText } from "./values.js";

/** Formats one raw value; on a value it cannot read it says so in `warnings` and gives the text as it was. */
export type ValueFormatter = (raw: unknown, label: string, warnings: string[]) => string;

const PLAIN_NUMBER = /^[+-]?(\d+(\.\d*)?|\.\d+)$/;
const NUMBER_NOISE = /[\s\u00a0\u202f'’]/g;
const ISO_DATE = /^(\d{4})-(\d{1,2})-(\d{1,2})(?:[T ].*)?$/;
const YMD_DATE = /^(\d{4})[-/.](\d{1,2})[-/.](\d{1,2})(?:[T ].*)?$/;
const DAY_MONTH_YEAR = /^(\d{1,2})[-/. ](\d{1,2})[-/. ](\d{4}|\d{2})(?:[T ].*)?$/;

export function compileFormat(spec: ValueFormatSpec): ValueFormatter {
  const locale = spec.locale ?? "en-US";
  if (spec.date !== undefined) {
    // Dates are calendar days: formatting in UTC a day built in UTC never moves it across midnight.
    const formatter = new Intl.DateTimeFormat(locale, { dateStyle: spec.date, timeZone: "UTC" });
    const input = spec.input ?? "iso";
    return (raw, label, warnings) => {
      const day = readDate(raw, input);
      if (day !== undefined) return formatter.format(day);
      const text = toText(raw);
      warnings.push(`${label}: "${text}" is not a date in ${input} form; shown as it is`);
      return text;
    };
  }
  const options: Intl.NumberFormatOptions = spec.currency !== undefined ? { style: "currency", currency: spec.currency } : {};
  if (typeof spec.number === "object") Object.assign(options, spec.number);
  const formatter = new Intl.NumberFormat(locale, options);
  const decimal = spec.decimal ?? ".";
  return (raw, label, warnings) => {
    const value = readNumber(raw, decimal);
    if (value !== undefined) return formatter.format(value);
    const text = toText(raw);
    warnings.push(`${label}: "${text}" is not a number; shown as it is`);
    return text;
  };
}

/**
 * A number from a SQL number or from text: spaces and apostrophes (Swiss thousands) go, then the
 * thousands separator (the one that is not `decimal`). "1.234,5" with decimal "," is 1234.5.
 */
export function readNumber(raw: unknown, decimal: "." | ","): number | undefined {
  if (typeof raw === "number") return Number.isFinite(raw) ? raw : undefined;
  if (typeof raw === "bigint") return Number(raw);
  const text = toText(raw).replace(NUMBER_NOISE, "");
  const plain = decimal === "." ? text.replace(/,/g, "") : text.replace(/\./g, "").replace(",", ".");
  if (!PLAIN_NUMBER.test(plain)) return undefined;
  return Number(plain);
}

/** A calendar day (as a UTC Date) from a Date or from text in the given order; two-digit years 00-69 are 20xx. */
export function readDate(raw: unknown, input: "iso" | "dmy" | "mdy" | "ymd"): Date | undefined {
  if (raw instanceof Date) {
    if (Number.isNaN(raw.getTime())) return undefined;
    // A SQL DATE arrives as local midnight: its local calendar day is the day meant.
    return new Date(Date.UTC(raw.getFullYear(), raw.getMonth(), raw.getDate()));
  }
  const text = toText(raw);
  let year: number;
  let month: number;
  let day: number;
  if (input === "iso" || input === "ymd") {
    const match = (input === "iso" ? ISO_DATE : YMD_DATE).exec(text);
    if (!match) return undefined;
    year = Number(match[1]);
    month = Number(match[2]);
    day = Number(match[3]);
  } else {
    const match = DAY_MONTH_YEAR.exec(text);
    if (!match) return undefined;
    const first = Number(match[1]);
    const second = Number(match[2]);
    day = input === "dmy" ? first : second;
    month = input === "dmy" ? second : first;
    const written = match[3] as string;
    year = written.length === 2 ? (Number(written) < 70 ? 2000 : 1900) + Number(written) : Number(written);
  }
  const date = new Date(Date.UTC(year, month - 1, day));
  // Date.UTC rolls 31/02 over into March; a day that does not exist is not a date.
  if (date.getUTCFullYear() !== year || date.getUTCMonth() !== month - 1 || date.getUTCDate() !== day) return undefined;
  return date;
}

// The mapping file format (YAML) as a zod schema: strict everywhere, shorthands normalized to one shape.
import { getCountries } from "libphonenumber-js/min";
import { z } from "zod";
import { NUMBER_FIELDS } from "../pbx/contact.js";

const KNOWN_COUNTRIES: ReadonlySet<string> = new Set(getCountries());
const KNOWN_CURRENCIES: ReadonlySet<string> = new Set(Intl.supportedValuesOf("currency"));

/** Key names of the format with a special meaning, for "did you mean" hints on unknown keys. */
export const TRANSFORM_NAMES = [
  "trim",
  "upper",
  "lower",
  "title",
  "collapse",
  "digits",
  "default",
  "replace",
  "truncate",
  "prefix",
  "suffix",
] as const;

const column = z.string().min(1, { message: "a column name must not be empty" });

/** One column or a list of columns: always a list after parsing. */
const columnList = z.preprocess(
  (value) => (typeof value === "string" ? [value] : value),
  z.array(column, { error: "expected a column name or a list of column names" }).min(1, { message: "name at least one column" }),
);

const flag = z.literal(true, { error: "a flag transform takes no value: write it as a plain name, e.g. - trim" }).optional();

/** A transform is a name (`trim`) or a one-key object (`{ truncate: 80 }`); both become a one-key object. */
const transform = z.preprocess(
  (value) => (typeof value === "string" ? { [value]: true } : value),
  z
    .strictObject(
      {
        trim: flag,
        upper: flag,
        lower: flag,
        title: flag,
        collapse: flag,
        digits: flag,
        default: z.string().optional(),
        replace: z
          .strictObject({
            pattern: z.string().min(1, { message: "the pattern must not be empty" }),
            with: z.string().default(""),
            flags: z
              .string()
              .regex(/^[gimsuy]*$/, { message: "regex flags are some of g, i, m, s, u, y" })
              .optional(),
          })
          .optional(),
        truncate: z.number().int().min(1).optional(),
        prefix: z.string().optional(),
        suffix: z.string().optional(),
      },
      { error: (issue) => (issue.code === "invalid_type" ? "expected a transform name or a one-key object such as { truncate: 80 }" : undefined) },
    )
    .superRefine((value, ctx) => {
      const keys = Object.keys(value);
      if (keys.length !== 1) {
        ctx.addIssue({
          code: "custom",
          message: keys.length === 0 ? "an empty transform" : `one transform per list item, found ${keys.join(", ")}`,
        });
      }
    }),
);
export type TransformSpec = z.infer<typeof transform>;

const transforms = z.array(transform, { error: "expected a list of transforms" }).optional();

/** The ways to read a value: exactly one of from / template / concat (and hash, for the external id). */
const SOURCE_KINDS = ["from", "template", "concat", "hash"] as const;

const sourceShape = {
  from: columnList.optional(),
  template: z.string().optional(),
  concat: columnList.optional(),
  separator: z.string().optional(),
  transform: transforms,
};

/** Checks one way to read the value is given; `allowed` says which. */
function oneSource(allowed: readonly (typeof SOURCE_KINDS)[number][]) {
  return (value: Record<string, unknown>, ctx: z.RefinementCtx): void => {
    const given = SOURCE_KINDS.filter((kind) => value[kind] !== undefined);
    if (given.length !== 1) {
      ctx.addIssue({
        code: "custom",
        message:
          given.length === 0
            ? `say where the value comes from: ${allowed.join(", ")}`
            : `use only one of ${given.join(", ")}`,
      });
    }
    if (value["separator"] !== undefined && value["concat"] === undefined) {
      ctx.addIssue({ code: "custom", path: ["separator"], message: "separator goes with concat" });
    }
  };
}

/** A string is shorthand: with a "{" it is a template, otherwise a column name. */
function expandShorthand(value: unknown): unknown {
  if (typeof value !== "string") return value;
  return value.includes("{") ? { template: value } : { from: [value] };
}

const objectError = (what: string) => ({
  error: (issue: { code: string }) => (issue.code === "invalid_type" ? `expected ${what}` : undefined),
});
const SOURCE_WORDS = 'a column name, a "{template}" or an object with from, template or concat';

const textSource = z.preprocess(
  expandShorthand,
  z.strictObject(sourceShape, objectError(SOURCE_WORDS)).superRefine(oneSource(["from", "template", "concat"])),
);
export type TextSourceSpec = z.infer<typeof textSource>;

export const numberFormatSchema = z.enum(["e164", "national", "digits"]);
export type NumberFormat = z.infer<typeof numberFormatSchema>;
const numberField = z.enum(NUMBER_FIELDS);

const numberSource = z.preprocess(
  expandShorthand,
  z
    .strictObject({ ...sourceShape, format: numberFormatSchema.optional() }, objectError(SOURCE_WORDS))
    .superRefine(oneSource(["from", "template", "concat"])),
);
export type NumberSourceSpec = z.infer<typeof numberSource>;

const externalId = z.preprocess(
  expandShorthand,
  z
    .strictObject({ ...sourceShape, hash: columnList.optional() }, objectError(`${SOURCE_WORDS}, or { hash: [columns] }`))
    .superRefine(oneSource(["from", "template", "concat", "hash"])),
);
export type ExternalIdSpec = z.infer<typeof externalId>;

const locale = z.string().refine(
  (tag) => {
    try {
      return new Intl.Locale(tag).baseName.length > 0;
    } catch {
      return false;
    }
  },
  { message: "not a locale tag such as it-IT, de-DE, en-US" },
);

const valueFormat = z
  .strictObject({
    currency: z
      .string()
      .refine((code) => KNOWN_CURRENCIES.has(code), { message: "not an ISO 4217 currency code such as EUR, USD, CHF" })
      .optional(),
    number: z
      .union([
        z.literal(true),
        z.strictObject({
          minimumFractionDigits: z.number().int().min(0).max(20).optional(),
          maximumFractionDigits: z.number().int().min(0).max(20).optional(),
          useGrouping: z.boolean().optional(),
        }),
      ])
      .optional(),
    date: z.enum(["short", "medium", "long", "full"]).optional(),
    locale: locale.optional(),
    input: z.enum(["iso", "dmy", "mdy", "ymd"]).optional(),
    decimal: z.enum([".", ","]).optional(),
  })
  .superRefine((value, ctx) => {
    const isDate = value.date !== undefined;
    if (!isDate && value.currency === undefined && value.number === undefined) {
      ctx.addIssue({ code: "custom", message: "say how to format: currency, number or date" });
    }
    if (isDate && (value.currency !== undefined || value.number !== undefined || value.decimal !== undefined)) {
      ctx.addIssue({ code: "custom", message: "a date format takes no currency, number or decimal" });
    }
    if (!isDate && value.input !== undefined) ctx.addIssue({ code: "custom", path: ["input"], message: "input goes with date" });
  });
export type ValueFormatSpec = z.infer<typeof valueFormat>;

const extInfoEntry = z
  .strictObject({
    caption: z.string().min(1, { message: "the caption must not be empty" }).max(255),
    ...sourceShape,
    format: valueFormat.optional(),
  })
  .superRefine(oneSource(["from", "template", "concat"]));
export type ExtInfoSpec = z.infer<typeof extInfoEntry>;

const scalarText = z.preprocess(
  (value) => (typeof value === "number" || typeof value === "boolean" ? String(value) : value),
  z.string({ error: "expected a text, a number or true/false" }),
);

const fieldCondition = z
  .strictObject({
    field: column,
    equals: scalarText.optional(),
    in: z.array(scalarText).min(1).optional(),
    empty: z.boolean().optional(),
    matches: z.string().optional(),
    flags: z
      .string()
      .regex(/^[imsu]*$/, { message: "regex flags for a condition are some of i, m, s, u" })
      .optional(),
    /** The field, read as a list (an array's items, or a text's comma-separated parts), has this item. */
    includes: scalarText.optional(),
    /** The test inverted. */
    not: z.boolean().optional(),
  })
  .superRefine((value, ctx) => {
    const tests = (["equals", "in", "empty", "matches", "includes"] as const).filter((key) => value[key] !== undefined);
    if (tests.length !== 1) {
      ctx.addIssue({
        code: "custom",
        message: tests.length === 0 ? "say what to test: equals, in, empty, matches or includes" : `use only one of ${tests.join(", ")}`,
      });
    }
    if (value.flags !== undefined && value.matches === undefined) {
      ctx.addIssue({ code: "custom", path: ["flags"], message: "flags go with matches" });
    }
  });
export type FieldConditionSpec = z.infer<typeof fieldCondition>;

const skipRule = z.strictObject({
  when: z.union([z.enum(["noNumber", "noName"]), fieldCondition]),
  reason: z.string().min(1).optional(),
});
export type SkipRuleSpec = z.infer<typeof skipRule>;

const spreadRule = z.strictObject({
  from: columnList,
  into: z.array(numberField).min(1),
  format: numberFormatSchema.optional(),
});
export type SpreadSpec = z.infer<typeof spreadRule>;

const labelTarget = z.union([numberField, z.literal("ignore")]);
const labelled = z.strictObject({
  pairs: z.array(z.strictObject({ label: column, value: column })).min(1),
  labels: z.record(z.string(), labelTarget).default({}),
  otherwise: labelTarget.default("numother"),
  separator: z.string().default(" ::: "),
  format: numberFormatSchema.optional(),
});
export type LabelledSpec = z.infer<typeof labelled>;

const countryCode = z.preprocess(
  (value) => (typeof value === "string" ? value.trim().toUpperCase() : value),
  z.string().refine((code) => KNOWN_COUNTRIES.has(code), {
    message: "not an ISO 3166 alpha-2 country code libphonenumber-js knows (e.g. IT, DE, GB, US)",
  }),
);

export const DEFAULT_EXTENSION_DIGITS = 4;

export const mappingSchema = z.strictObject(
  {
    version: z.literal(1, { error: "version must be 1" }),
    description: z.string().optional(),
    appName: z.string().min(1).max(64).optional(),
    externalId,
    defaultCountry: countryCode,
    countryField: columnList.optional(),
    numberFormat: numberFormatSchema.default("e164"),
    unparseable: z.enum(["keep-digits", "drop", "skip-contact"]).default("keep-digits"),
    extensions: z.strictObject({ maxDigits: z.number().int().min(0).max(8) }).default({ maxDigits: DEFAULT_EXTENSION_DIGITS }),
    optionalColumns: z.array(column).default([]),
    fields: z
      .strictObject({ name: textSource.optional(), surname: textSource.optional(), company: textSource.optional(), email: textSource.optional() })
      .default({}),
    numbers: z
      .strictObject({
        numoffice: numberSource.optional(),
        numhome: numberSource.optional(),
        nummobile: numberSource.optional(),
        numsms: numberSource.optional(),
        nummobil2: numberSource.optional(),
        numfax: numberSource.optional(),
        numother: numberSource.optional(),
      })
      .default({}),
    spread: z.array(spreadRule).default([]),
    labelled: labelled.optional(),
    extInfo: z.array(extInfoEntry).max(50, { message: "at most 50 ext_info blocks per contact" }).default([]),
    skip: z.array(skipRule).default([]),
    /**
     * The source this mapping was written for (an SQL query and its key column): an SQL source that names
     * neither a query nor a table reads this one. The SQL connector checks it; the mapping only keeps it.
     */
    source: z.record(z.string(), z.unknown()).optional(),
  },
  objectError("a mapping: a YAML map with version, externalId, defaultCountry, fields, numbers..."),
);

/** A mapping file after parsing: shorthands expanded, defaults filled in. */
export type MappingSpec = z.infer<typeof mappingSchema>;

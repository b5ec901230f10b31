// compileMapping: a loaded mapping -> one `apply(fields, ref)` closure that turns a source record into a PBX contact.
import { createHash } from "node:crypto";
import type { CountryCode } from "libphonenumber-js/min";
import { NUMBER_FIELDS, displayNameOf, type PbxContact } from "../pbx/contact.js";
import { checkContact } from "./check.js";
import { CompileContext } from "./context.js";
import { cleanText, hasControls, showControls } from "./controls.js";
import { resolveCountry } from "./countries.js";
import { compileExtInfo } from "./ext-info.js";
import { compileExternalId, possibleIdsOf } from "./external-id.js";
import type { LoadedMapping } from "./load.js";
import { MAX_NESTING, tooDeepField } from "./nesting.js";
import { compileNumbers, emptySlots } from "./numbers.js";
import { compileSkipRules, firstSkip, type BuiltContact } from "./skip.js";
import { compileColumns, compileSource, type Getter } from "./template.js";
import type { Fields } from "./values.js";

/** Bump when the same mapping file would map the same record differently, so stored hashes change. */
const ENGINE_VERSION = "2";
const COUNTRY_CACHE_SIZE = 10_000;

export interface CompileOptions {
  /** The job's uc_app_name; the mapping's own `appName` wins when it has one. */
  appName: string;
  /** The source's columns when known (a CSV header): every column the mapping reads must be among them. */
  columns?: readonly string[];
}

export type MapResult =
  | { kind: "contact"; contact: PbxContact; warnings: string[] }
  | { kind: "skip"; reason: string }
  | { kind: "invalid"; problems: string[] };

export interface CompiledMapping {
  /** Changes when the mapping file, the app name or this engine's rules change. */
  hash: string;
  /** Every source column the mapping reads. */
  columns: readonly string[];
  /** The uc_app_name the contacts get. */
  appName: string;
  /**
   * The record's uc_external_id alone ("" when it has none), without mapping the rest: the incremental
   * sync finds a record's state with it before deciding whether the record needs mapping at all.
   */
  externalIdOf(fields: Fields): string;
  /** The ids a broken record may have (its values may sit under the wrong columns); null when they cannot be told. */
  possibleIdsOf(fields: Fields): string[] | null;
  /** The one column the external id reads, when it reads exactly one and is not a hash. */
  idColumn?: string;
  /** Maps one record; `ref` locates it (CSV line...) and is kept for callers' messages. */
  apply(fields: Fields, ref: string): MapResult;
  /**
   * "Maria Anders (Alfreds)" from the record's name, surname and company fields alone: how the report names a record
   * that was skipped, invalid or a duplicate. "" when it has none.
   */
  nameOf(fields: Fields): string;
}

export function compileMapping(loaded: LoadedMapping, options: CompileOptions): CompiledMapping {
  const { spec } = loaded;
  const ctx = new CompileContext(options.columns, spec.optionalColumns);
  const appName = spec.appName ?? options.appName;
  if (appName.length === 0 || appName.length > 64) ctx.problems.add(["appName"], `the app name "${appName}" must be 1 to 64 characters`);

  const externalId = compileExternalId(spec.externalId, ctx);
  const texts: { key: "name" | "surname" | "company" | "email"; read: Getter }[] = [];
  for (const key of ["name", "surname", "company", "email"] as const) {
    const source = spec.fields[key];
    if (source) texts.push({ key, read: compileSource(source, ["fields", key], ctx) });
  }
  const emailIndex = texts.findIndex((text) => text.key === "email");
  const numbers = compileNumbers(spec, ctx);
  const extInfo = compileExtInfo(spec.extInfo, ctx);
  const skipRules = compileSkipRules(spec.skip, ctx);
  const readCountry = spec.countryField ? compileColumns(spec.countryField, ["countryField"], ctx) : undefined;
  ctx.problems.throwIfAny(loaded.file, loaded.text);

  const defaultCountry = spec.defaultCountry as CountryCode;
  const countries = new Map<string, CountryCode | null>();
  const hash = createHash("sha256").update(`${ENGINE_VERSION}\n${loaded.hash}\n${appName}`).digest("hex");

  // Row state lives here rather than in per-row objects: apply() is synchronous and never re-entered.
  let rowFields: Fields = {};
  let rowCountry: CountryCode = defaultCountry;
  let rowWarnings: string[] = [];
  let slots = emptySlots();
  let numbersDone = false;
  let numberSkip: string | undefined;
  const textValues: string[] = ["", "", "", ""];
  let textsDone = false;

  const fillNumbers = (): void => {
    if (numbersDone) return;
    numbersDone = true;
    numberSkip = numbers.fill(rowFields, rowCountry, slots, rowWarnings);
  };
  const fillTexts = (): void => {
    if (textsDone) return;
    textsDone = true;
    for (let i = 0; i < texts.length; i++) {
      const text = texts[i] as (typeof texts)[number];
      textValues[i] = cleanText(text.read(rowFields), text.key, rowWarnings);
    }
  };
  const built: BuiltContact = {
    hasNumber() {
      fillNumbers();
      return slots.some((slot) => slot !== "");
    },
    hasName() {
      fillTexts();
      return texts.some((text, i) => text.key !== "email" && textValues[i] !== "");
    },
  };

  const countryOf = (fields: Fields, warnings: string[]): CountryCode => {
    if (!readCountry) return defaultCountry;
    const text = readCountry(fields);
    if (text === "") return defaultCountry;
    let code = countries.get(text);
    if (code === undefined) {
      code = resolveCountry(text) ?? null;
      if (countries.size >= COUNTRY_CACHE_SIZE) countries.clear();
      countries.set(text, code);
    }
    if (code === null) {
      warnings.push(`country: "${text}" is not a country name or code I know; numbers read as ${defaultCountry}`);
      return defaultCountry;
    }
    return code;
  };

  return {
    hash,
    columns: ctx.columns,
    appName,
    externalIdOf: (fields) => externalId.read(fields),
    possibleIdsOf: (fields) => possibleIdsOf(externalId, fields),
    nameOf(fields) {
      const parts: { name?: string; surname?: string; company?: string } = {};
      for (const text of texts) if (text.key !== "email") parts[text.key] = cleanText(text.read(fields), text.key, undefined);
      return displayNameOf(parts);
    },
    ...(externalId.singleColumn === undefined ? {} : { idColumn: externalId.singleColumn }),
    apply(fields) {
      // Before any rule reads it: such a record is broken or hostile, even where the mapping does not look.
      const deep = tooDeepField(fields);
      if (deep !== undefined) return { kind: "invalid", problems: [`field "${deep}" is nested deeper than ${MAX_NESTING} levels: the record is not read`] };
      const warnings: string[] = [];
      rowFields = fields;
      rowWarnings = warnings;
      rowCountry = countryOf(fields, warnings);
      slots = emptySlots();
      numbersDone = false;
      textsDone = false;

      const skipped = skipRules.length > 0 ? firstSkip(skipRules, fields, built) : undefined;
      if (skipped !== undefined) return { kind: "skip", reason: skipped };
      const id = externalId.read(fields);
      if (id === "") return { kind: "invalid", problems: [externalId.emptyMessage] };
      // The id is the contact's key on the PBX: cleaned, two records could share it, or a contact change keys unseen.
      if (hasControls(id)) return { kind: "invalid", problems: [`uc_external_id: "${showControls(id)}" holds control characters; fix the id in the source`] };
      fillNumbers();
      if (numberSkip !== undefined) return { kind: "skip", reason: numberSkip };
      fillTexts();

      // Keys in the guide's order, so two runs serialize one contact identically.
      const contact = {} as PbxContact;
      for (let i = 0; i < texts.length; i++) {
        const text = texts[i] as (typeof texts)[number];
        if (text.key !== "email" && textValues[i] !== "") contact[text.key] = textValues[i];
      }
      for (let i = 0; i < NUMBER_FIELDS.length; i++) if (slots[i] !== "") contact[NUMBER_FIELDS[i] as (typeof NUMBER_FIELDS)[number]] = slots[i];
      if (emailIndex >= 0 && textValues[emailIndex] !== "") contact.email = textValues[emailIndex];
      contact.uc_app_name = appName;
      contact.uc_external_id = id;
      if (extInfo) {
        const blocks = extInfo(fields, warnings);
        if (blocks) contact.ext_info = blocks;
      }
      const problems = checkContact(contact);
      if (problems) return { kind: "invalid", problems };
      return { kind: "contact", contact, warnings };
    },
  };
}

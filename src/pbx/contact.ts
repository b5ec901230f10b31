// The PBX contact as phonebook_import_sync takes it: every field of the guide, validated with zod.
import { z } from "zod";

/** The number fields of a PBX contact, in the guide's order. */
export const NUMBER_FIELDS = ["numoffice", "numhome", "nummobile", "numsms", "nummobil2", "numfax", "numother"] as const;
export type NumberField = (typeof NUMBER_FIELDS)[number];

/** The text fields of a PBX contact. */
export const TEXT_FIELDS = ["name", "surname", "company", "email"] as const;
export type TextField = (typeof TEXT_FIELDS)[number];

/** Longest text we send in one field; the PBX stores fields in VARCHAR(255)-sized columns. */
export const MAX_TEXT_LENGTH = 255;
/** Longest number: E.164 allows 15 digits; extensions and odd national formats stay well under 32. */
export const MAX_NUMBER_LENGTH = 32;
/** Most ext_info blocks one contact carries; more would not fit the operator's screen anyway. */
export const MAX_EXT_INFO_BLOCKS = 50;

const text = z.string().max(MAX_TEXT_LENGTH, { message: `at most ${MAX_TEXT_LENGTH} characters` });
/** The guide: "strings formed exclusively by numeric characters, at most prefixed with the +". */
const phoneNumber = z
  .string()
  .max(MAX_NUMBER_LENGTH, { message: `at most ${MAX_NUMBER_LENGTH} characters` })
  .regex(/^\+?[0-9]*$/, { message: "only digits, optionally after one leading +" });

export const extInfoBlockSchema = z.object({
  caption: z.string().min(1, { message: "caption must not be empty" }).max(MAX_TEXT_LENGTH),
  value: z.string().max(1000),
});
export type ExtInfoBlock = z.infer<typeof extInfoBlockSchema>;

export const pbxContactSchema = z
  .object({
    name: text.optional(),
    surname: text.optional(),
    company: text.optional(),
    numoffice: phoneNumber.optional(),
    numhome: phoneNumber.optional(),
    nummobile: phoneNumber.optional(),
    numsms: phoneNumber.optional(),
    nummobil2: phoneNumber.optional(),
    numfax: phoneNumber.optional(),
    numother: phoneNumber.optional(),
    email: text.optional(),
    uc_app_name: z.string().min(1, { message: "uc_app_name must not be empty" }).max(64),
    uc_external_id: z.string().min(1, { message: "uc_external_id must not be empty" }).max(MAX_TEXT_LENGTH),
    ext_info: z.array(extInfoBlockSchema).max(MAX_EXT_INFO_BLOCKS).optional(),
  })
  .strict();

export type PbxContact = z.infer<typeof pbxContactSchema>;

/** Validates a contact, returning the zod issues as "field: problem" lines. */
export function validateContact(value: unknown): { ok: true; contact: PbxContact } | { ok: false; problems: string[] } {
  const parsed = pbxContactSchema.safeParse(value);
  if (parsed.success) return { ok: true, contact: parsed.data };
  return {
    ok: false,
    problems: parsed.error.issues.map((issue) => `${issue.path.join(".") || "(contact)"}: ${issue.message}`),
  };
}

/** "Maria Anders (Alfreds Futterkiste)": how reports name a contact. */
export function displayNameOf(contact: Pick<PbxContact, "name" | "surname" | "company">): string {
  const person = [contact.name, contact.surname].filter((part) => part && part.trim() !== "").join(" ");
  if (person && contact.company) return `${person} (${contact.company})`;
  return person || contact.company || "";
}

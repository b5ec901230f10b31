// The PBX contact schema's limits checked by hand: the compiled mapping already guarantees the shapes.
import { MAX_EXT_INFO_BLOCKS, MAX_NUMBER_LENGTH, MAX_TEXT_LENGTH, NUMBER_FIELDS, type PbxContact } from "../pbx/contact.js";

/** ext_info values: the limit of extInfoBlockSchema in src/pbx/contact.ts. */
const MAX_EXT_INFO_VALUE = 1000;
const PHONE = /^\+?[0-9]*$/;

/**
 * The problems pbxContactSchema would find, each naming the field, or undefined. zod's safeParse costs
 * more per row than the whole mapping of a CSV row; the tests keep the two in agreement.
 */
export function checkContact(contact: PbxContact): string[] | undefined {
  let problems: string[] | undefined;
  const add = (problem: string): void => {
    (problems ??= []).push(problem);
  };
  for (const key of ["name", "surname", "company", "email"] as const) {
    const value = contact[key];
    if (value !== undefined && value.length > MAX_TEXT_LENGTH) {
      add(`${key}: ${value.length} characters, at most ${MAX_TEXT_LENGTH} (shorten it with { truncate: ${MAX_TEXT_LENGTH} })`);
    }
  }
  for (const key of NUMBER_FIELDS) {
    const value = contact[key];
    if (value === undefined) continue;
    if (value.length > MAX_NUMBER_LENGTH) add(`${key}: "${value}" is longer than ${MAX_NUMBER_LENGTH} characters`);
    else if (!PHONE.test(value)) add(`${key}: "${value}" holds more than digits and one leading +`);
  }
  if (contact.uc_external_id.length > MAX_TEXT_LENGTH) {
    add(`uc_external_id: ${contact.uc_external_id.length} characters, at most ${MAX_TEXT_LENGTH}`);
  }
  const blocks = contact.ext_info;
  if (blocks) {
    if (blocks.length > MAX_EXT_INFO_BLOCKS) add(`ext_info: ${blocks.length} blocks, at most ${MAX_EXT_INFO_BLOCKS}`);
    for (const block of blocks) {
      if (block.value.length > MAX_EXT_INFO_VALUE) {
        add(`ext_info "${block.caption}": ${block.value.length} characters, at most ${MAX_EXT_INFO_VALUE} (shorten it with { truncate: ${MAX_EXT_INFO_VALUE} })`);
      }
    }
  }
  return problems;
}

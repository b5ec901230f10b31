// The PBX client's public surface.
export { PbxClient } from "./client.js";
export { isRetryable } from "./retryable.js";
export { completeEndpoint, ENDPOINT_PATH } from "./endpoint.js";
export { CLIENT_DEFAULTS, CONNECTIONS_RANGE, TIMEOUT_RANGE } from "./options.js";
export {
  extInfoBlockSchema,
  MAX_EXT_INFO_BLOCKS,
  MAX_NUMBER_LENGTH,
  MAX_TEXT_LENGTH,
  NUMBER_FIELDS,
  pbxContactSchema,
  TEXT_FIELDS,
  validateContact,
  type ExtInfoBlock,
  type NumberField,
  type PbxContact,
  type TextField,
} from "./contact.js";
export type {
  CallOptions,
  DeleteTarget,
  ExtInfoEncoding,
  GetPhonebookOptions,
  ImportSyncContactResult,
  ImportSyncOptions,
  ImportSyncResult,
  PbxClientOptions,
  PhonebookEntry,
  PhonebookFields,
} from "./types.js";

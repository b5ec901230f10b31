// Turns whatever a database driver throws into SyncError STORE_FAILED: short, located, and without a password.
import { isSyncError, SyncError } from "../errors.js";

const SQL_START = /^(select|insert|update|delete|create|alter|drop|pragma|with|begin|commit|rollback)\b/i;

/** The driver's own words: knex prefixes the SQL text ("insert into ... - SQLITE_BUSY: ..."), which helps no admin. */
export function driverMessage(err: unknown): string {
  if (typeof err === "object" && err !== null) {
    const sqlMessage = (err as { sqlMessage?: unknown }).sqlMessage;
    if (typeof sqlMessage === "string" && sqlMessage !== "") return sqlMessage;
  }
  const message = err instanceof Error ? err.message : String(err);
  const cut = message.indexOf(" - ");
  const text = SQL_START.test(message) && cut > 0 ? message.slice(cut + 3) : message;
  return text.length > 500 ? `${text.slice(0, 497)}...` : text;
}

/** What the store is, where, and what to keep out of messages. */
export interface StoreTarget {
  location: string;
  file?: string;
  password?: string;
}

/**
 * A STORE_FAILED error for `what` went wrong at the target. A SyncError passes through untouched (it is already
 * ours, e.g. RUN_NOT_FOUND). The password is masked here even when too short for the global redaction.
 */
export function storeFailed(what: string, target: StoreTarget, err: unknown, hint?: string): SyncError {
  if (isSyncError(err)) return err;
  let message = `${what} (${target.location}): ${driverMessage(err)}`;
  if (target.password) message = message.split(target.password).join("***");
  return new SyncError("STORE_FAILED", message, {
    cause: err,
    ...(target.file === undefined ? {} : { file: target.file }),
    ...(hint === undefined ? {} : { hint }),
  });
}

/** Runs a store operation, turning a driver error into STORE_FAILED. */
export async function guarded<T>(what: string, target: StoreTarget, work: () => Promise<T>): Promise<T> {
  try {
    return await work();
  } catch (err) {
    throw storeFailed(what, target, err);
  }
}

// The SyncError a call must end in: a test of what went wrong, and never a pass when nothing did.
import { isSyncError, type SyncError } from "../../src/errors.js";

/** Awaits the promise and returns its SyncError; throws when it resolves or rejects with anything else. */
export async function failure(promise: Promise<unknown>): Promise<SyncError> {
  try {
    await promise;
  } catch (err) {
    if (isSyncError(err)) return err;
    throw err;
  }
  throw new Error("expected the call to fail");
}

// Collects the unhandled promise rejections of each test of the file that calls it, to assert there were none.
import { afterEach, beforeEach } from "vitest";

/** Registers a listener around every test; `reasons` holds what went unhandled during the current one. */
export function watchUnhandledRejections(): { readonly reasons: unknown[] } {
  const watch = { reasons: [] as unknown[] };
  const onUnhandled = (reason: unknown): void => {
    watch.reasons.push(reason);
  };
  beforeEach(() => {
    watch.reasons.length = 0;
    process.on("unhandledRejection", onUnhandled);
  });
  afterEach(() => {
    process.off("unhandledRejection", onUnhandled);
  });
  return watch;
}

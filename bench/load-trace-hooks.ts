// Module hooks for bench/load-trace.ts: appends the URL of every module the process resolves to a file.
import { appendFileSync } from "node:fs";
import type { InitializeHook, ResolveHook } from "node:module";

let file: string | undefined;

export const initialize: InitializeHook<{ file: string | undefined }> = (data) => {
  file = data.file;
};

export const resolve: ResolveHook = async (specifier, context, nextResolve) => {
  const resolved = await nextResolve(specifier, context);
  if (file !== undefined) appendFileSync(file, `${resolved.url}\n`);
  return resolved;
};

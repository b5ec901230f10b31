// Finds the installed package's own files (examples, mappings) from the compiled or the source tree.
import { existsSync } from "node:fs";
import path from "node:path";
import { fileURLToPath } from "node:url";

export function packageRoot(): string {
  let dir = path.dirname(fileURLToPath(import.meta.url));
  for (;;) {
    if (existsSync(path.join(dir, "package.json")) && existsSync(path.join(dir, "mappings"))) return dir;
    const parent = path.dirname(dir);
    if (parent === dir) throw new Error("cannot find the phonebook-sync package root");
    dir = parent;
  }
}

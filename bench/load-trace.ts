// Preloaded (node --import) into a measured process: records which modules it loads into $BENCH_TRACE_FILE,
// the ES modules as they are resolved and, at exit, the CommonJS ones (knex's drivers load by require).
import { appendFileSync } from "node:fs";
import { createRequire, register } from "node:module";
import { pathToFileURL } from "node:url";

const file = process.env["BENCH_TRACE_FILE"];
if (file !== undefined) {
  register("./load-trace-hooks.js", import.meta.url, { data: { file } });
  const require = createRequire(import.meta.url);
  process.on("exit", () => {
    appendFileSync(file, Object.keys(require.cache).map((loaded) => `${pathToFileURL(loaded).href}\n`).join(""));
  });
}


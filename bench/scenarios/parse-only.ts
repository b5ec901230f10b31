// Baseline "parse-only": papaparse streaming over the CSV, doing nothing per row. The floor of any CSV sync.
import { createReadStream } from "node:fs";
import Papa from "papaparse";

const file = process.argv[2];
if (file === undefined) throw new Error("usage: parse-only.js FILE.csv");

let rows = 0;
await new Promise<void>((resolve, reject) => {
  Papa.parse<Record<string, string>>(createReadStream(file, "utf8"), {
    header: true,
    skipEmptyLines: true,
    step: () => {
      rows++;
    },
    complete: () => resolve(),
    error: (err: Error) => reject(err),
  });
});
process.stdout.write(`rows ${rows}\n`);

// Baseline "parse-only" of an SQL source: one streamed SELECT of the whole table through mysql2, doing nothing
// per row. The floor of any sync of that table (the connector pages the same rows in key order).
import mysql from "mysql2";

const table = process.argv[2];
const url = process.env["BENCH_DB_URL"];
if (table === undefined || url === undefined) throw new Error("usage: BENCH_DB_URL=mysql://... sql-read-only.js TABLE");

const connection = mysql.createConnection(url);
let rows = 0;
await new Promise<void>((resolve, reject) => {
  connection
    .query(`SELECT * FROM ${table}`)
    .stream({ highWaterMark: 1000 })
    .on("data", () => {
      rows++;
    })
    .on("end", () => resolve())
    .on("error", reject);
});
await connection.promise().end();
process.stdout.write(`rows ${rows}\n`);

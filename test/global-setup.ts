// Before any test: make sure the compiled CLI (dist/) is current, since some tests run it as a real process.
import { execFileSync } from "node:child_process";
import { existsSync, readdirSync, statSync } from "node:fs";
import path from "node:path";

const ROOT = path.resolve(import.meta.dirname, "..");
const SOURCES = ["src", "connectors", "test", "bench"];

function newestMtime(dir: string): number {
  if (!existsSync(dir)) return 0;
  let newest = 0;
  for (const entry of readdirSync(dir, { withFileTypes: true })) {
    const full = path.join(dir, entry.name);
    const time = entry.isDirectory() ? newestMtime(full) : entry.name.endsWith(".ts") ? statSync(full).mtimeMs : 0;
    if (time > newest) newest = time;
  }
  return newest;
}

/** Tools the tests call as real programs: installed from Debian's packages when missing (CI runs as root). */
function ensureTools(): void {
  const missing = ["curl", "openssl"].filter((tool) => {
    try {
      execFileSync("sh", ["-c", `command -v ${tool}`], { stdio: "ignore" });
      return false;
    } catch {
      return true;
    }
  });
  if (missing.length === 0) return;
  execFileSync("sh", ["-c", `(apt-get update -qq || true) && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq ${missing.join(" ")}`], {
    stdio: "inherit",
  });
}

export default function setup(): void {
  ensureTools();
  const cli = path.join(ROOT, "dist", "src", "cli", "main.js");
  const sourceTime = Math.max(...SOURCES.map((dir) => newestMtime(path.join(ROOT, dir))));
  if (existsSync(cli) && statSync(cli).mtimeMs >= sourceTime) return;
  // `npm test` has built already; this covers `npx vitest` after an edit.
  execFileSync(process.execPath, [path.join(ROOT, "node_modules", "typescript", "bin", "tsc"), "-p", path.join(ROOT, "tsconfig.json")], {
    stdio: "inherit",
  });
}

// Chromium for the browser tests: Debian's package, installed with apt-get when missing (the tests run as root
// on a Debian machine), found by its path; playwright-core drives it, no browser is downloaded.
import { execFile } from "node:child_process";
import { existsSync } from "node:fs";
import { promisify } from "node:util";

const run = promisify(execFile);

/** Where Debian (and Ubuntu's deb) put the browser; PBSYNC_TEST_CHROMIUM names another. */
const CANDIDATES = ["/usr/bin/chromium", "/usr/bin/chromium-browser", "/usr/bin/google-chrome"];

function installed(): string | undefined {
  const given = process.env["PBSYNC_TEST_CHROMIUM"];
  if (given) return given;
  return CANDIDATES.find((candidate) => existsSync(candidate));
}

/**
 * The browser's path: found, or installed from Debian's packages first (a few minutes on a clean machine).
 * Throws with the reason when it cannot be had.
 */
export async function ensureChromium(): Promise<string> {
  const found = installed();
  if (found) return found;
  const install = "(apt-get update -qq || true) && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq --no-install-recommends chromium";
  try {
    await run("sh", ["-c", install], { maxBuffer: 64 * 1024 * 1024, timeout: 600_000 });
  } catch (err) {
    const output = err as { stderr?: string; message?: string };
    throw new Error(`cannot install chromium with apt-get: ${(output.stderr ?? output.message ?? String(err)).trim().slice(-500)}`);
  }
  const after = installed();
  if (!after) throw new Error(`apt-get installed chromium, but none of ${CANDIDATES.join(", ")} exists`);
  return after;
}

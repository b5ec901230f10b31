// Warns when a configuration file that other users can read holds a secret written literally instead of as ${VAR}.
import { stat } from "node:fs/promises";
import { parse } from "yaml";
import { formatPath } from "./yaml-source.js";

/** Keys whose value is a secret wherever they stand (pbx.token, a database or SMTP password, REST and CardDAV auth, the viewer token). */
const SECRET_KEY = /^(?:token|password|clientSecret|refreshToken|secret)$/;
/** Read permission for the group or for others. */
const READABLE_BY_OTHERS = 0o044;

type Path = (string | number)[];

/**
 * Whether a value holds secret text of its own: what is left once the ${VAR} references (not their `:-default`,
 * which is literal text) and an auth scheme word ("Bearer ${HOOK_TOKEN}") are taken away.
 */
export function isLiteralSecret(value: unknown): boolean {
  if (typeof value !== "string") return false;
  const own = value
    .replace(/\$\$|\$\{[A-Za-z_][A-Za-z0-9_]*(?::-([^}]*))?\}/g, (match, fallback: string | undefined) => (match === "$$" ? "$" : (fallback ?? "")))
    .trim()
    .replace(/^(?:Bearer|Basic|Token|Bot)\b\s*/i, "");
  return own !== "";
}

function isSecretPath(path: Path): boolean {
  const key = path[path.length - 1];
  if (typeof key !== "string") return false;
  if (SECRET_KEY.test(key)) return true;
  // A REST source's apiKey auth keeps its key in `value`; a webhook's headers carry its credentials.
  if (key === "value" && path[path.length - 2] === "auth") return true;
  return path.length === 4 && path[0] === "notifications" && path[1] === "webhook" && path[2] === "headers";
}

/** The paths (e.g. "pbx.token", "jobs[1].source.connection.password") of the secrets a parsed document writes literally. */
export function literalSecretKeys(document: unknown, path: Path = [], found: string[] = []): string[] {
  if (Array.isArray(document)) document.forEach((item: unknown, index) => literalSecretKeys(item, [...path, index], found));
  else if (document !== null && typeof document === "object") {
    for (const [key, item] of Object.entries(document)) literalSecretKeys(item, [...path, key], found);
  } else if (isSecretPath(path) && isLiteralSecret(document)) found.push(formatPath(path));
  return found;
}

/** The warning for a file with these permission bits and these literal secrets; undefined when there is nothing to say. */
export function exposureWarning(file: string, mode: number, keys: readonly string[]): string | undefined {
  if ((mode & READABLE_BY_OTHERS) === 0 || keys.length === 0) return undefined;
  const octal = (mode & 0o777).toString(8);
  return (
    `${file} holds ${keys.length === 1 ? "a secret" : "secrets"} written literally (${keys.join(", ")}) and other users may read it ` +
    `(mode ${octal}): run chmod 600 ${file}, or write each secret as \${VARIABLE} and export the variable`
  );
}

/**
 * Checks a configuration file just read: its permissions, and the secrets its text writes literally (pbx.token
 * only when it opens a real PBX: `embeddedPbx` says the config talks to the emulator inside the process).
 * Never throws: a file that cannot be stat'ed or parsed again has been reported by the loader already.
 */
export async function checkSecretExposure(file: string, text: string, options: { embeddedPbx?: boolean } = {}): Promise<string | undefined> {
  if (process.platform === "win32") return undefined; // no POSIX permission bits to judge
  try {
    const { mode } = await stat(file);
    if ((mode & READABLE_BY_OTHERS) === 0) return undefined;
    // The loader has checked the keys already; its linear duplicate check stands, the library's quadratic one is off.
    const keys = literalSecretKeys(parse(text, { uniqueKeys: false }) as unknown);
    // The embedded emulator's token (the demo's) opens nothing beyond this process: it is no secret.
    return exposureWarning(file, mode, options.embeddedPbx ? keys.filter((key) => key !== "pbx.token") : keys);
  } catch {
    return undefined;
  }
}

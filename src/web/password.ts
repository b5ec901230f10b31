// The viewer's password hashes: scrypt with a random salt, written as one line `scrypt:N:r:p:SALT:KEY`.
import { randomBytes, scrypt, timingSafeEqual, type ScryptOptions } from "node:crypto";
import { SyncError } from "../errors.js";

/** Cost of new hashes: 16 MiB of memory and about 50 ms a check, within Node's default scrypt memory limit. */
export const SCRYPT_COST = { N: 16_384, r: 8, p: 1 };
const SALT_BYTES = 16;
const KEY_BYTES = 32;
/** The most a stored hash may ask for: a hand-edited N must not let one login take the machine's memory. */
const MAX_MEMORY_BYTES = 256 * 1024 * 1024;

export interface PasswordHash {
  N: number;
  r: number;
  p: number;
  salt: Buffer;
  key: Buffer;
}

function derive(password: string, salt: Buffer, length: number, options: ScryptOptions): Promise<Buffer> {
  return new Promise((resolve, reject) => scrypt(password.normalize("NFC"), salt, length, options, (err, key) => (err ? reject(err) : resolve(key))));
}

/** Memory scrypt needs for these costs (128·N·r, plus room for p lanes). */
function memoryFor(N: number, r: number, p: number): number {
  return 128 * N * r + 128 * r * p + 1024 * 1024;
}

/** A new hash of the password, as the line the configuration takes. */
export async function hashPassword(password: string): Promise<string> {
  const salt = randomBytes(SALT_BYTES);
  const { N, r, p } = SCRYPT_COST;
  const key = await derive(password, salt, KEY_BYTES, { N, r, p, maxmem: memoryFor(N, r, p) });
  return `scrypt:${N}:${r}:${p}:${salt.toString("base64url")}:${key.toString("base64url")}`;
}

/** Reads a hash line; throws CONFIG_INVALID naming `origin` (the setting it came from) when it is not one. */
export function parsePasswordHash(line: string, origin: string): PasswordHash {
  const parts = line.trim().split(":");
  const [scheme, n, r, p, salt, key] = parts;
  const numbers = [n, r, p].map((part) => Number(part));
  const [N = 0, R = 0, P = 0] = numbers;
  const valid =
    parts.length === 6 &&
    scheme === "scrypt" &&
    numbers.every((value) => Number.isSafeInteger(value) && value >= 1) &&
    N > 1 &&
    (N & (N - 1)) === 0 &&
    memoryFor(N, R, P) <= MAX_MEMORY_BYTES &&
    /^[A-Za-z0-9_-]{16,}$/.test(salt ?? "") &&
    /^[A-Za-z0-9_-]{32,}$/.test(key ?? "");
  if (!valid) {
    throw new SyncError("CONFIG_INVALID", `${origin} is not a password hash phonebook-sync can read`, {
      hint: "Make one with `phonebook-sync serve --hash-password` and paste the whole line it prints (scrypt:...).",
    });
  }
  return { N, r: R, p: P, salt: Buffer.from(salt as string, "base64url"), key: Buffer.from(key as string, "base64url") };
}

/** Whether the password matches the hash; constant time in the comparison of the keys. */
export async function verifyPassword(password: string, hash: PasswordHash): Promise<boolean> {
  const key = await derive(password, hash.salt, hash.key.length, { N: hash.N, r: hash.r, p: hash.p, maxmem: memoryFor(hash.N, hash.r, hash.p) });
  return key.length === hash.key.length && timingSafeEqual(key, hash.key);
}

// The client's options: defaults in one place, and range checks that name the bad value and the fix.
import { readFileSync } from "node:fs";
import { SyncError } from "../errors.js";
import { silentLogger, type Logger } from "../logger.js";
import { completeEndpoint } from "./endpoint.js";
import type { ExtInfoEncoding, PbxClientOptions } from "./types.js";

export const CLIENT_DEFAULTS = {
  timeoutMs: 30_000,
  extInfoEncoding: "array" as ExtInfoEncoding,
  keepAlive: true,
  connections: 4,
} as const;

export const TIMEOUT_RANGE = { min: 100, max: 600_000 } as const;
export const CONNECTIONS_RANGE = { min: 1, max: 64 } as const;

/** Options after defaults and checks: what the client and its transport work from. */
export interface ResolvedOptions {
  endpoint: string;
  token: string;
  timeoutMs: number;
  /** The PEM text of caFile, already read and checked. */
  ca: string | undefined;
  extInfoEncoding: ExtInfoEncoding;
  keepAlive: boolean;
  connections: number;
  logger: Logger;
}

/** Checks every option; throws CONFIG_INVALID naming the option and the fix. Never quotes the token. */
export function resolveOptions(options: PbxClientOptions): ResolvedOptions {
  if (typeof options.token !== "string" || options.token === "") {
    throw invalid("token", "the PBX token is empty", "Set pbx.token to ${VOISPEED_TOKEN} and export that variable.");
  }
  if (options.token.trim() !== options.token) {
    throw invalid(
      "token",
      "the PBX token starts or ends with white space (a newline from a file or a copy and paste?)",
      "Remove the white space around the token.",
    );
  }
  if (typeof options.url !== "string" || options.url.trim() === "") {
    throw invalid("url", "the PBX url is empty", "Set pbx.url to https://HOST/PBX/seri_endpoint.php.");
  }
  const timeoutMs = options.timeoutMs ?? CLIENT_DEFAULTS.timeoutMs;
  checkRange("timeoutMs", timeoutMs, TIMEOUT_RANGE);
  const connections = options.connections ?? CLIENT_DEFAULTS.connections;
  checkRange("connections", connections, CONNECTIONS_RANGE);
  const extInfoEncoding = options.extInfoEncoding ?? CLIENT_DEFAULTS.extInfoEncoding;
  if (extInfoEncoding !== "array" && extInfoEncoding !== "json-string") {
    throw invalid("extInfoEncoding", `invalid extInfoEncoding "${String(extInfoEncoding)}"`, 'Use "array" or "json-string".');
  }
  return {
    endpoint: completeEndpoint(options.url),
    token: options.token,
    timeoutMs,
    ca: options.caFile === undefined ? undefined : readCa(options.caFile),
    extInfoEncoding,
    keepAlive: options.keepAlive ?? CLIENT_DEFAULTS.keepAlive,
    connections,
    logger: options.logger ?? silentLogger,
  };
}

function checkRange(name: string, value: number, range: { min: number; max: number }): void {
  if (!Number.isInteger(value) || value < range.min || value > range.max) {
    throw invalid(name, `invalid ${name} ${String(value)}`, `Use a whole number in ${range.min}..${range.max}.`);
  }
}

function readCa(file: string): string {
  let pem: string;
  try {
    pem = readFileSync(file, "utf8");
  } catch (cause) {
    throw new SyncError("CONFIG_INVALID", `cannot read caFile "${file}": ${(cause as Error).message}`, {
      file,
      field: "caFile",
      hint: "Give pbx.caFile as the path of a PEM file holding the PBX's CA certificate.",
      cause,
    });
  }
  if (!pem.includes("-----BEGIN CERTIFICATE-----")) {
    throw new SyncError("CONFIG_INVALID", `caFile "${file}" holds no PEM certificate (no "-----BEGIN CERTIFICATE-----" line)`, {
      file,
      field: "caFile",
      hint: "Export the CA certificate in PEM format (openssl x509 -in ca.der -inform der -out ca.pem).",
    });
  }
  return pem;
}

function invalid(field: string, message: string, hint: string): SyncError {
  return new SyncError("CONFIG_INVALID", message, { field, hint });
}

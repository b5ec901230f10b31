// Who may read the viewer: the `viewer:` section of a configuration (read alone, like the store's) and the
// PBSYNC_VIEWER_* variables; and the rule that a viewer reachable beyond loopback needs one of them.
import net from "node:net";
import { z } from "zod";
import { configError, issueLine, issueMessage, type LoadOptions } from "../config/load.js";
import { interpolateEnv } from "../config/interpolate.js";
import { VIEWER_DEFAULTS, viewerSchema, type ViewerConfig } from "../config/viewer-schema.js";
import { parseYamlSource, readConfigText } from "../config/yaml-source.js";
import { SyncError } from "../errors.js";
import { registerSecret } from "../redact.js";
import { parsePasswordHash, type PasswordHash } from "./password.js";
import { VIEWER_ENV } from "./viewer-env.js";

export { VIEWER_ENV };

/** The logins the viewer accepts: HTTP Basic with the user and a password matching the hash, or a bearer token. */
export interface ViewerAuth {
  user: string;
  passwordHash: PasswordHash | null;
  token: string | null;
}

const viewerSection = z.object({ viewer: viewerSchema.optional() });

/** The `viewer:` section of a configuration file, its other sections unchecked (no PBX token needed). */
export async function loadViewerConfig(file: string, options: LoadOptions = {}): Promise<ViewerConfig | undefined> {
  const { absolute, text } = await readConfigText(file);
  return parseViewerConfig(text, absolute, options);
}

export function parseViewerConfig(text: string, file: string, options: LoadOptions = {}): ViewerConfig | undefined {
  const { value, lineOf, problems, add } = parseYamlSource(text, file);
  if (problems.length > 0) throw configError(file, problems);
  const whole = value as { viewer?: unknown };
  const expanded = interpolateEnv(whole.viewer === undefined ? {} : { viewer: whole.viewer }, options.env ?? process.env);
  for (const problem of expanded.problems) add(problem.path, problem.message);
  const parsed = viewerSection.safeParse(expanded.value);
  if (!parsed.success) for (const issue of parsed.error.issues) add(issue.path as (string | number)[], issueMessage(issue), issueLine(issue, lineOf));
  if (problems.length > 0 || !parsed.success) throw configError(file, problems);
  return parsed.data.viewer;
}

/**
 * The logins from the section, each missing one from the environment; null when there is none. Secrets are
 * registered, so no log line or error can print them.
 */
export function resolveViewerAuth(section: ViewerConfig | undefined, env: NodeJS.ProcessEnv = process.env): ViewerAuth | null {
  const fromEnv = viewerSchema.safeParse({ user: env[VIEWER_ENV.user], passwordHash: env[VIEWER_ENV.passwordHash], token: env[VIEWER_ENV.token] });
  if (!fromEnv.success) {
    const problems = fromEnv.error.issues.map((issue) => `${VIEWER_ENV[issue.path[0] as keyof typeof VIEWER_ENV] ?? "PBSYNC_VIEWER_*"}: ${issue.message}`);
    throw new SyncError("CONFIG_INVALID", `the viewer's environment has ${problems.length === 1 ? "a problem" : "problems"}:\n  - ${problems.join("\n  - ")}`);
  }
  const hashLine = section?.passwordHash ?? fromEnv.data.passwordHash;
  const token = section?.token ?? fromEnv.data.token;
  registerSecret(hashLine);
  registerSecret(token);
  if (hashLine === undefined && token === undefined) return null;
  const origin = section?.passwordHash !== undefined ? "viewer.passwordHash" : VIEWER_ENV.passwordHash;
  return {
    user: section?.user ?? fromEnv.data.user ?? VIEWER_DEFAULTS.user,
    passwordHash: hashLine === undefined ? null : parsePasswordHash(hashLine, origin),
    token: token ?? null,
  };
}

/** Whether an address to listen on stays on this machine. */
export function isLoopback(host: string): boolean {
  const bare = host.replace(/^\[(.*)\]$/, "$1").toLowerCase();
  if (bare === "localhost") return true;
  if (net.isIPv4(bare)) return bare.startsWith("127.");
  if (net.isIPv6(bare)) return bare === "::1" || /^::ffff:127\./.test(bare);
  return false;
}

/** Refuses a viewer reachable from other machines without a login; `setting` names where the address came from. */
export function checkExposure(host: string, auth: ViewerAuth | null, setting: string): void {
  if (auth || isLoopback(host)) return;
  throw new SyncError("CONFIG_INVALID", `the report viewer would listen on ${host} (${setting}) without a login: anyone who reaches it would read every contact`, {
    hint:
      "Give a login: viewer.passwordHash (from `phonebook-sync serve --hash-password`) or viewer.token in the configuration, " +
      `or ${VIEWER_ENV.passwordHash} / ${VIEWER_ENV.token} in the environment; or keep it on 127.0.0.1.`,
  });
}

// The PBX endpoint URL: completing a bare host to seri_endpoint.php, and building a service's request URL.
import { SyncError } from "../errors.js";
import { redactUrl } from "../redact.js";

/** Where the guide puts the integration endpoint on every VOIspeed PBX. */
export const ENDPOINT_PATH = "/PBX/seri_endpoint.php";

const TOKEN_PARAM = /^token$/i;

/**
 * Turns the configured URL into the endpoint: a path that does not end in ".php" gets ENDPOINT_PATH
 * appended, since admins often give just the PBX address. The token must not be in it: it is added
 * per request so that the endpoint itself is always safe to print.
 */
export function completeEndpoint(raw: string): string {
  let url: URL;
  try {
    url = new URL(raw.trim());
  } catch (cause) {
    throw invalidUrl(raw, "it is not a URL: use https://HOST/PBX/seri_endpoint.php or just https://HOST", cause);
  }
  if (url.protocol !== "https:" && url.protocol !== "http:") {
    throw invalidUrl(raw, `the scheme "${url.protocol}" is not http: or https:; use https://HOST/PBX/seri_endpoint.php`);
  }
  if ([...url.searchParams.keys()].some((name) => TOKEN_PARAM.test(name))) {
    throw invalidUrl(raw, "it holds a token parameter: remove it from the URL and give the token in the token option");
  }
  if (url.username || url.password) {
    throw invalidUrl(raw, "it holds a user name or password: the PBX authenticates by token only; remove them");
  }
  url.hash = "";
  if (!url.pathname.toLowerCase().endsWith(".php")) {
    url.pathname = url.pathname.replace(/\/+$/, "") + ENDPOINT_PATH;
  }
  return url.toString();
}

/** The request URL of one service call: service and token first, then the service's parameters. */
export function serviceUrl(endpoint: string, service: string, token: string, params: Readonly<Record<string, string>> = {}): URL {
  const url = new URL(endpoint);
  url.searchParams.set("service", service);
  url.searchParams.set("token", token);
  for (const [name, value] of Object.entries(params)) url.searchParams.set(name, value);
  return url;
}

function invalidUrl(raw: string, problem: string, cause?: unknown): SyncError {
  return new SyncError("CONFIG_INVALID", `invalid PBX url "${redactUrl(raw)}": ${problem}`, {
    field: "url",
    hint: "Set pbx.url to the PBX address, e.g. https://pbx.example.com/PBX/seri_endpoint.php.",
    ...(cause === undefined ? {} : { cause }),
  });
}

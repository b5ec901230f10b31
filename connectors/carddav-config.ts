// The CardDAV source's configuration: the server or address book URL, the login, which address books, how to read them.
import { createHash } from "node:crypto";
import { z } from "zod";
import { redactUrl } from "../src/redact.js";

/** Secrets: write ${NAME} and export the variable. */
const secret = z.string().min(1).describe("secret");

/** Google's token endpoint: where the refresh token is exchanged when the config names no other. */
export const GOOGLE_TOKEN_URL = "https://oauth2.googleapis.com/token";

/**
 * OAuth 2.0 with a refresh token (Google's CardDAV takes nothing else): the source exchanges it for an access token
 * (which lasts an hour) once per run.
 */
const oauth2Schema = z.strictObject({
  tokenUrl: z
    .url({ message: "the OAuth 2.0 token endpoint's full URL (https://...)" })
    .refine((url) => /^https?:\/\//i.test(url), { message: "a token URL starts with https:// (or http:// on a trusted network)" })
    .default(GOOGLE_TOKEN_URL),
  /** The OAuth client's ID (Google Cloud console: Credentials, an OAuth client ID of type "Desktop app"). */
  clientId: z.string().min(1),
  clientSecret: secret,
  /** Obtained once by consenting with the client (the OAuth 2.0 Playground, for instance): see docs/carddav.md. */
  refreshToken: secret,
  /** Asked for with the refresh token; default: the scopes the user consented to. */
  scope: z.string().min(1).optional(),
});

export const carddavConfigSchema = z
  .strictObject({
    type: z.literal("carddav"),
    /**
     * A server URL (the address books are found through /.well-known/carddav and the user's principal) or one
     * address book's URL (Nextcloud: https://cloud.example.com/remote.php/dav/addressbooks/users/alice/contacts/).
     */
    url: z.url({ message: "the CardDAV server's or address book's full URL (https://...)" }).refine((url) => /^https?:\/\//i.test(url), {
      message: "a CardDAV URL starts with https:// (or http:// on a trusted network)",
    }),
    /** Basic authentication: the user name, and its password (an app password on Nextcloud, iCloud, Google). */
    username: z.string().min(1).optional(),
    password: secret.optional(),
    /** A bearer token instead of a user name and password (an OAuth access token). */
    token: secret.optional(),
    /** OAuth 2.0 refresh-token login instead (Google): a fresh access token for every run. */
    oauth2: oauth2Schema.optional(),
    /**
     * Which address books to read, by display name, by the last segment of their URL ("contacts") or by URL.
     * Default: every address book of the user.
     */
    addressBooks: z.array(z.string().min(1)).min(1).optional(),
    /** PEM file of a private CA, relative to the configuration file. */
    caFile: z.string().min(1).optional(),
    timeoutMs: z.number().int().min(1_000).max(600_000).default(60_000),
    /** Cards per addressbook-multiget request. */
    multigetSize: z.number().int().min(1).max(1_000).default(100),
    /**
     * Read only what changed since the last complete run (WebDAV sync-collection, or ETags where the server has no
     * sync): the mapping's externalId must then be `uid`. false: every card is fetched and parsed on every run.
     */
    incremental: z.boolean().default(true),
  })
  .superRefine((config, ctx) => {
    if (config.password !== undefined && config.username === undefined) {
      ctx.addIssue({ code: "custom", path: ["username"], message: "a password needs its username" });
    }
    if (config.token !== undefined && (config.username !== undefined || config.password !== undefined)) {
      ctx.addIssue({ code: "custom", path: ["token"], message: "give either token (bearer) or username and password, not both" });
    }
    if (config.oauth2 !== undefined && config.token !== undefined) {
      ctx.addIssue({ code: "custom", path: ["oauth2"], message: "give either oauth2 (a refresh token) or token (bearer), not both" });
    }
    if (config.oauth2 !== undefined && (config.username !== undefined || config.password !== undefined)) {
      ctx.addIssue({ code: "custom", path: ["oauth2"], message: "give either oauth2 (a refresh token) or username and password, not both" });
    }
  });

export type CarddavConfig = z.infer<typeof carddavConfigSchema>;

export type CarddavOAuth2 = NonNullable<CarddavConfig["oauth2"]>;

/** The secrets of a config: the password, the token, the OAuth client's secret and the refresh token. */
export function carddavSecrets(config: CarddavConfig): string[] {
  return [config.password, config.token, config.oauth2?.clientSecret, config.oauth2?.refreshToken].filter((value): value is string => value !== undefined && value !== "");
}

/** How logs and messages name the source: its URL (credentials in it masked) and user. */
export function describeCarddavSource(config: CarddavConfig): string {
  return `CardDAV ${redactUrl(config.url)}${config.username !== undefined ? ` as ${config.username}` : ""}`;
}

/** What identifies the source for the watermark and the record versions: another URL or address book starts over. */
export function carddavIdentity(config: CarddavConfig): string {
  return createHash("sha1")
    .update(JSON.stringify(["carddav", config.url, config.username ?? null, config.addressBooks ?? null]))
    .digest("hex");
}

// The `viewer:` section: who may read the report viewer once it listens beyond loopback (a password hash, a token).
import { z } from "zod";

export const VIEWER_DEFAULTS = {
  /** The user name HTTP Basic logins give with the password. */
  user: "admin",
  /** A shorter bearer token is too easy to guess. */
  minTokenLength: 16,
};

/** `scrypt:N:r:p:SALT:KEY`, salt and key in base64url: what `phonebook-sync serve --hash-password` prints. */
export const PASSWORD_HASH_PATTERN = /^scrypt:\d+:\d+:\d+:[A-Za-z0-9_-]{16,}:[A-Za-z0-9_-]{32,}$/;

/** A value left empty by `${VAR:-}` means "not set here" (the environment may still give it). */
const unsetWhenEmpty = (value: unknown): unknown => (value === "" || value === null ? undefined : value);

export const viewerSchema = z
  .object({
    user: z.preprocess(unsetWhenEmpty, z.string().min(1).max(200).optional()),
    /** From `phonebook-sync serve --hash-password`; never the password itself. */
    passwordHash: z.preprocess(
      unsetWhenEmpty,
      z
        .string()
        .regex(PASSWORD_HASH_PATTERN, { message: "not a password hash: use the line `phonebook-sync serve --hash-password` prints (scrypt:...)" })
        .optional(),
    ),
    /** For scripts: `Authorization: Bearer TOKEN`. */
    token: z.preprocess(
      unsetWhenEmpty,
      z
        .string()
        .min(VIEWER_DEFAULTS.minTokenLength, {
          message: `the viewer token is too short: use at least ${VIEWER_DEFAULTS.minTokenLength} random characters (openssl rand -hex 24)`,
        })
        .optional(),
    ),
  })
  .strict();

export type ViewerConfig = z.infer<typeof viewerSchema>;

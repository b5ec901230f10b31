// The viewer's environment variables, apart so that `serve --help` names them without loading zod.

/** The environment variables that give the viewer's logins when the configuration does not. */
export const VIEWER_ENV = {
  user: "PBSYNC_VIEWER_USER",
  passwordHash: "PBSYNC_VIEWER_PASSWORD_HASH",
  token: "PBSYNC_VIEWER_TOKEN",
} as const;

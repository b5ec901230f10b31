// Binding an HTTP server: resolves once it listens, or rejects with the caller's words for why it could not.
import type http from "node:http";
import type { SyncError } from "./errors.js";

/** Listens on port and host; a bind failure (in use, not allowed, no such address) becomes `toError`'s SyncError. */
export function listen(server: http.Server, port: number, host: string, toError: (err: NodeJS.ErrnoException, port: number, host: string) => SyncError): Promise<void> {
  return new Promise<void>((resolve, reject) => {
    const onError = (err: NodeJS.ErrnoException) => {
      server.off("listening", onListening);
      reject(toError(err, port, host));
    };
    const onListening = () => {
      server.off("error", onError);
      resolve();
    };
    server.once("error", onError);
    server.once("listening", onListening);
    server.listen(port, host);
  });
}

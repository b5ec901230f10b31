// Binding an HTTP server (resolves once it listens, or rejects with the caller's words for why it could not) and closing it.
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

/**
 * A close for the server, the same promise however often it is called. server.close() alone waits for requests in
 * flight (a slow health check, an open live stream) and, before Node 19, for idle keep-alive sockets to time out:
 * either would hold the process open after a SIGTERM, so every connection is closed too.
 */
export function closer(server: http.Server): () => Promise<void> {
  let closing: Promise<void> | undefined;
  return () => {
    closing ??= new Promise<void>((resolve, reject) => {
      server.close((err) => (err ? reject(err) : resolve()));
      server.closeAllConnections();
    });
    return closing;
  };
}

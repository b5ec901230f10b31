// A throwaway TLS setup for tests: a CA, a server certificate it signed for 127.0.0.1 and localhost, made with openssl.
import { execFileSync } from "node:child_process";
import { writeFileSync } from "node:fs";
import path from "node:path";

export interface TestCertificates {
  /** The CA's certificate (PEM file): trust it to accept the server. */
  caFile: string;
  certFile: string;
  keyFile: string;
}

/** Writes the CA and a server certificate into `dir` (EC keys: quicker to make than RSA). */
export function makeTestCertificates(dir: string, name = "phonebook-sync test CA"): TestCertificates {
  const at = (file: string) => path.join(dir, file);
  const openssl = (...args: string[]) => execFileSync("openssl", args, { stdio: "pipe", cwd: dir });
  const ec = ["-newkey", "ec", "-pkeyopt", "ec_paramgen_curve:prime256v1", "-nodes"];
  openssl("req", "-x509", ...ec, "-keyout", at("ca-key.pem"), "-out", at("ca.pem"), "-days", "2", "-subj", `/CN=${name}`);
  openssl("req", ...ec, "-keyout", at("server-key.pem"), "-out", at("server.csr"), "-subj", "/CN=127.0.0.1");
  writeFileSync(at("san.ext"), "subjectAltName=IP:127.0.0.1,DNS:localhost\n");
  openssl("x509", "-req", "-in", at("server.csr"), "-CA", at("ca.pem"), "-CAkey", at("ca-key.pem"), "-CAcreateserial", "-out", at("server.pem"), "-days", "2", "-extfile", at("san.ext"));
  return { caFile: at("ca.pem"), certFile: at("server.pem"), keyFile: at("server-key.pem") };
}

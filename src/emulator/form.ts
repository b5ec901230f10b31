// Reads a POST body the way PHP fills $_POST: multipart/form-data or urlencoded fields, files kept apart.
import type { IncomingMessage } from "node:http";
import busboy from "busboy";

export interface PostedForm {
  /** Every plain field by name, each value in the order sent. */
  fields: Map<string, string[]>;
  /** Names of file parts: PHP puts those in $_FILES, not $_POST. */
  files: string[];
}

export class BodyTooLarge extends Error {
  constructor(readonly limit: number) {
    super(`request body larger than ${limit} bytes`);
  }
}

/** Parses the request body; a body over `maxBytes` rejects with BodyTooLarge after it has been drained. */
export function readForm(req: IncomingMessage, maxBytes: number): Promise<PostedForm> {
  const form: PostedForm = { fields: new Map(), files: [] };
  const type = req.headers["content-type"] ?? "";
  const declared = Number(req.headers["content-length"] ?? "0");
  if (declared > maxBytes || !/^(multipart\/form-data|application\/x-www-form-urlencoded)/i.test(type)) {
    // PHP leaves $_POST empty for other types and for a body over post_max_size; the body is still read.
    return drain(req).then(() => {
      if (declared > maxBytes) throw new BodyTooLarge(maxBytes);
      return form;
    });
  }
  return new Promise((resolve, reject) => {
    let parser: busboy.Busboy;
    try {
      parser = busboy({ headers: req.headers, limits: { fieldSize: maxBytes, fields: 1_000, files: 100 } });
    } catch (err) {
      reject(err instanceof Error ? err : new Error(String(err)));
      return;
    }
    let tooLarge = false;
    parser.on("field", (name, value, info) => {
      if (info.valueTruncated) tooLarge = true;
      const values = form.fields.get(name) ?? [];
      values.push(value);
      form.fields.set(name, values);
    });
    parser.on("file", (name, stream) => {
      form.files.push(name);
      stream.resume();
    });
    parser.on("error", (err: unknown) => {
      req.unpipe(parser);
      void drain(req).then(() => reject(err instanceof Error ? err : new Error(String(err))));
    });
    parser.on("close", () => (tooLarge ? reject(new BodyTooLarge(maxBytes)) : resolve(form)));
    req.pipe(parser);
  });
}

function drain(req: IncomingMessage): Promise<void> {
  return new Promise((resolve) => {
    if (req.readableEnded) return resolve();
    req.on("end", resolve);
    req.on("error", () => resolve());
    req.resume();
  });
}

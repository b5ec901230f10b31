// A writable stream that keeps what was written, for asserting on command output.
import { Writable } from "node:stream";

export class Collector extends Writable {
  chunks: string[] = [];

  override _write(chunk: Buffer | string, _encoding: BufferEncoding, done: (error?: Error | null) => void): void {
    this.chunks.push(chunk.toString());
    done();
  }

  get text(): string {
    return this.chunks.join("");
  }
}

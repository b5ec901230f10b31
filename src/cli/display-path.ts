// Paths as the CLI prints them: relative when the file is under the working directory, absolute otherwise.
import path from "node:path";

/** `data/x.sqlite` for a file below the working directory, the absolute path for one elsewhere. */
export function displayPath(file: string, cwd = process.cwd()): string {
  const relative = path.relative(cwd, file);
  return relative === "" || relative.startsWith("..") || path.isAbsolute(relative) ? path.resolve(file) : relative;
}

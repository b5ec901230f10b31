// What every compile step shares: the problem list and the columns the mapping reads (checked against the source's).
import type { YamlPath } from "./locate.js";
import { ProblemList } from "./problems.js";
import { didYouMean } from "./suggest.js";

export class CompileContext {
  readonly problems = new ProblemList();
  private readonly used = new Set<string>();
  private readonly known: ReadonlySet<string> | undefined;
  private readonly optional: ReadonlySet<string>;

  /** `columns`: the source's columns when known (a CSV header); `optional`: columns an export may leave out. */
  constructor(columns: readonly string[] | undefined, optional: readonly string[]) {
    this.known = columns ? new Set(columns) : undefined;
    this.optional = new Set(optional);
  }

  /** Records that the mapping reads `name`; reports it when the source is known not to have it. */
  column(name: string, path: YamlPath): void {
    this.used.add(name);
    if (!this.known || this.known.has(name) || this.optional.has(name)) return;
    this.problems.add(path, `no column "${name}" in the source${didYouMean(name, this.known)}`);
  }

  /** True when the source is known and lacks the column (an optional one, or one already reported). */
  missing(name: string): boolean {
    return this.known !== undefined && !this.known.has(name);
  }

  /** Every column the mapping reads, in the order the mapping names them. */
  get columns(): readonly string[] {
    return [...this.used];
  }
}

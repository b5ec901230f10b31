// What every compile step shares: the problem list and the columns the mapping reads (checked against the source's).
import { compileFieldGetter, isPlainName, isUnder, keyShape, nearestPath, shapeOf, type FieldGetter } from "./field-path.js";
import type { YamlPath } from "./locate.js";
import { ProblemList } from "./problems.js";
import { didYouMean } from "./suggest.js";

/**
 * A column that reads as a path: `phones[].value`, `properties.firstname`. A CSV header with a dot before a
 * space ("Tel. ufficio") does not, so a flat source keeps its "column" wording.
 */
const LOOKS_NESTED = /\[|\.\S/;

export class CompileContext {
  readonly problems = new ProblemList();
  private readonly used = new Set<string>();
  private readonly known: ReadonlySet<string> | undefined;
  private readonly optional: ReadonlySet<string>;
  /** The source's columns are field paths (a REST source's shapesOf()): its messages say "field". */
  private readonly nested: boolean;

  /** `columns`: the source's columns when known (a CSV header); `optional`: columns an export may leave out. */
  constructor(columns: readonly string[] | undefined, optional: readonly string[]) {
    this.known = columns ? new Set(columns) : undefined;
    this.optional = new Set(optional.flatMap((name) => [name, safeShape(name)]));
    this.nested = columns?.some((column) => LOOKS_NESTED.test(column)) ?? false;
  }

  /** Records that the mapping reads `name` and compiles its getter; a malformed path is a problem and reads as empty. */
  field(name: string, path: YamlPath): FieldGetter {
    let get: FieldGetter;
    try {
      get = compileFieldGetter(name);
    } catch (err) {
      this.used.add(name);
      this.problems.add(path, (err as Error).message);
      return () => undefined;
    }
    this.column(name, path);
    return get;
  }

  /** Records that the mapping reads `name`; reports it when the source is known not to have it. */
  column(name: string, path: YamlPath): void {
    this.used.add(name);
    if (!this.known || this.has(name) || this.optional.has(name) || this.optional.has(safeShape(name))) return;
    if (!this.nested && isPlainName(name)) {
      this.problems.add(path, `no column "${name}" in the source${didYouMean(name, this.known)}`);
      return;
    }
    const match = nearestPath(name, this.known);
    this.problems.add(path, `no field "${name}" in the source${match === undefined ? "" : ` (did you mean "${match}"?)`}`);
  }

  /** True when the source is known and lacks the column (an optional one, or one already reported). */
  missing(name: string): boolean {
    return this.known !== undefined && !this.has(name);
  }

  /** Every column the mapping reads, in the order the mapping names them. */
  get columns(): readonly string[] {
    return [...this.used];
  }

  /**
   * A name the source has: one of its columns; a path whose shape is one (`phones[?label=work].value` for
   * `phones[].value`); a whole object or array holding some (`phones`); or a path inside one (`tags[0]` when
   * a sample record's `tags` was an empty list, `data.phone` in an SQL JSON column). A malformed path counts
   * as known: its own problem is reported where it is compiled.
   */
  private has(name: string): boolean {
    const known = this.known;
    if (!known || known.has(name)) return true;
    if (!this.nested && isPlainName(name)) return false;
    let shape: string;
    try {
      shape = shapeOf(name);
    } catch {
      return true;
    }
    if (known.has(shape) || known.has(keyShape(name))) return true;
    for (const column of known) if (isUnder(column, shape) || isUnder(shape, column)) return true;
    return false;
  }
}

/** The shape of a name, or the name itself when it is malformed. */
function safeShape(name: string): string {
  try {
    return shapeOf(name);
  } catch {
    return name;
  }
}

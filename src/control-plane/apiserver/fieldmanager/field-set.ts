/**
 * A set of field paths (structured-merge-diff's `fieldpath.Set`): a tree whose
 * nodes hold the path elements that are members at that level and the child
 * subtrees below path elements. Membership is per path: inserting
 * `.spec.replicas` does not make `.spec` a member. Sets are values: the
 * operations return new sets that may share subtrees with their inputs, so a set
 * must not be mutated with `insert` once it has been combined with another.
 *
 * `toFieldsV1`/`fromFieldsV1` convert to and from `metadata.managedFields[].fieldsV1`
 * (`{"f:spec":{"f:containers":{"k:{\"name\":\"nginx\"}":{".":{},"f:image":{}}}}}`):
 * `{}` marks a member, `"."` marks a node that is both a member and a parent.
 */
import { isJsonObject, type JsonObject } from './go-json.js';
import {
  comparePathElements,
  deserializePathElement,
  pathString,
  serializePathElement,
  type Path,
  type PathElement,
} from './path-element.js';

interface ChildNode {
  readonly pe: PathElement;
  readonly set: FieldSet;
}

/** Index of `pe` in a sorted array, or the insertion point (`found` false). */
function search<T>(items: readonly T[], pe: PathElement, get: (t: T) => PathElement): { i: number; found: boolean } {
  let lo = 0;
  let hi = items.length;
  while (lo < hi) {
    const mid = (lo + hi) >>> 1;
    if (comparePathElements(get(items[mid]), pe) < 0) lo = mid + 1;
    else hi = mid;
  }
  return { i: lo, found: lo < items.length && comparePathElements(get(items[lo]), pe) === 0 };
}

const self = (pe: PathElement) => pe;
const nodePe = (n: ChildNode) => n.pe;

/** Thrown by `fromFieldsV1` for input that is not a valid `fieldsV1` document. */
export class FieldSetError extends Error {
  override name = 'FieldSetError';
}

export class FieldSet {
  private members: PathElement[] = [];
  private children: ChildNode[] = [];

  static of(...paths: Path[]): FieldSet {
    const s = new FieldSet();
    for (const p of paths) s.insert(p);
    return s;
  }

  /** Adds one path (parents are not added). The empty path is ignored, as upstream. */
  insert(path: Path): void {
    if (path.length === 0) return;
    // eslint-disable-next-line @typescript-eslint/no-this-alias
    let s: FieldSet = this;
    for (let i = 0; i < path.length - 1; i++) s = s.descend(path[i]);
    const last = path[path.length - 1];
    const { i, found } = search(s.members, last, self);
    if (!found) s.members.splice(i, 0, last);
  }

  private descend(pe: PathElement): FieldSet {
    const { i, found } = search(this.children, pe, nodePe);
    if (found) return this.children[i].set;
    const set = new FieldSet();
    this.children.splice(i, 0, { pe, set });
    return set;
  }

  /** Builder: puts `sub` below `pe` (united with what is already there). */
  graft(pe: PathElement, sub: FieldSet): void {
    const { i, found } = search(this.children, pe, nodePe);
    if (found) this.children[i] = { pe, set: this.children[i].set.union(sub) };
    else this.children.splice(i, 0, { pe, set: sub });
  }

  has(path: Path): boolean {
    if (path.length === 0) return false;
    // eslint-disable-next-line @typescript-eslint/no-this-alias
    let s: FieldSet | undefined = this;
    for (let i = 0; i < path.length - 1; i++) {
      s = s.child(path[i]);
      if (!s) return false;
    }
    return search(s.members, path[path.length - 1], self).found;
  }

  /** Whether `pe` is a member at this level. */
  hasMember(pe: PathElement): boolean {
    return search(this.members, pe, self).found;
  }

  /** The subtree below `pe` at this level, if any. */
  child(pe: PathElement): FieldSet | undefined {
    const { i, found } = search(this.children, pe, nodePe);
    return found ? this.children[i].set : undefined;
  }

  /** Paths below `pe`, with `pe` removed (empty when there are none). */
  withPrefix(pe: PathElement): FieldSet {
    return this.child(pe) ?? new FieldSet();
  }

  memberElements(): readonly PathElement[] {
    return this.members;
  }

  childEntries(): readonly { readonly pe: PathElement; readonly set: FieldSet }[] {
    return this.children;
  }

  isEmpty(): boolean {
    return this.members.length === 0 && this.children.every((c) => c.set.isEmpty());
  }

  /** Number of member paths. */
  size(): number {
    return this.members.length + this.children.reduce((n, c) => n + c.set.size(), 0);
  }

  union(other: FieldSet): FieldSet {
    const out = new FieldSet();
    out.members = mergeSorted(this.members, other.members, self, (a) => a);
    out.children = mergeSorted(this.children, other.children, nodePe, (a, b) => ({
      pe: a.pe,
      set: a.set.union(b.set),
    }));
    return out;
  }

  /** Members present in both (at every level). */
  intersection(other: FieldSet): FieldSet {
    const out = new FieldSet();
    out.members = this.members.filter((pe) => other.hasMember(pe));
    for (const c of this.children) {
      const o = other.child(c.pe);
      if (!o) continue;
      const r = c.set.intersection(o);
      if (!r.isEmpty()) out.children.push({ pe: c.pe, set: r });
    }
    return out;
  }

  /**
   * Members of this set that are not members of `other`. Parents and children
   * are independent: removing `.spec` leaves `.spec.replicas` in place.
   */
  difference(other: FieldSet): FieldSet {
    const out = new FieldSet();
    out.members = this.members.filter((pe) => !other.hasMember(pe));
    for (const c of this.children) {
      const o = other.child(c.pe);
      if (!o) {
        out.children.push(c);
        continue;
      }
      const r = c.set.difference(o);
      if (!r.isEmpty()) out.children.push({ pe: c.pe, set: r });
    }
    return out;
  }

  /** Like `difference`, but a member of `other` also removes everything below it. */
  recursiveDifference(other: FieldSet): FieldSet {
    const out = new FieldSet();
    out.members = this.members.filter((pe) => !other.hasMember(pe));
    for (const c of this.children) {
      if (other.hasMember(c.pe)) continue;
      const o = other.child(c.pe);
      if (!o) {
        out.children.push(c);
        continue;
      }
      const r = c.set.recursiveDifference(o);
      if (!r.isEmpty()) out.children.push({ pe: c.pe, set: r });
    }
    return out;
  }

  equals(other: FieldSet): boolean {
    if (this.members.length !== other.members.length || this.children.length !== other.children.length) return false;
    for (let i = 0; i < this.members.length; i++) {
      if (comparePathElements(this.members[i], other.members[i]) !== 0) return false;
    }
    for (let i = 0; i < this.children.length; i++) {
      const a = this.children[i];
      const b = other.children[i];
      if (comparePathElements(a.pe, b.pe) !== 0 || !a.set.equals(b.set)) return false;
    }
    return true;
  }

  /** Calls `fn` for each member path, depth first: a level's members, then its children. */
  iterate(fn: (path: Path) => void, prefix: PathElement[] = []): void {
    for (const pe of this.members) fn([...prefix, pe]);
    for (const c of this.children) {
      prefix.push(c.pe);
      c.set.iterate(fn, prefix);
      prefix.pop();
    }
  }

  paths(): Path[] {
    const out: Path[] = [];
    this.iterate((p) => out.push(p));
    return out;
  }

  /** One human-readable path per line (`.spec.replicas`). */
  toString(): string {
    return this.paths().map(pathString).join('\n');
  }

  /** The `fieldsV1` document for this set. */
  toFieldsV1(): JsonObject {
    return this.emit(false);
  }

  private emit(includeSelf: boolean): JsonObject {
    const body: JsonObject = {};
    let mi = 0;
    let ci = 0;
    while (mi < this.members.length || ci < this.children.length) {
      const m = this.members[mi];
      const c = this.children[ci];
      const order = m === undefined ? 1 : c === undefined ? -1 : comparePathElements(m, c.pe);
      if (order < 0) {
        body[serializePathElement(m)] = {};
        mi++;
      } else {
        body[serializePathElement(c.pe)] = c.set.emit(order === 0);
        if (order === 0) mi++;
        ci++;
      }
    }
    // Clients see `.` first: they re-encode fieldsV1 with sorted keys.
    return includeSelf && Object.keys(body).length ? { '.': {}, ...body } : body;
  }

  /** Parses a `fieldsV1` document; throws FieldSetError when it is malformed. */
  static fromFieldsV1(doc: unknown): FieldSet {
    if (doc === null || doc === undefined) return new FieldSet();
    if (!isJsonObject(doc)) throw new FieldSetError('fieldsV1 must be a JSON object');
    return readV1(doc).children ?? new FieldSet();
  }
}

/** Reads one level; `isMember` tells whether the node itself is a member of its parent. */
function readV1(doc: JsonObject): { children?: FieldSet; isMember: boolean } {
  let children: FieldSet | undefined;
  let isMember = false;
  for (const [key, value] of Object.entries(doc)) {
    if (key === '.') {
      isMember = true;
      continue;
    }
    let pe: PathElement | undefined;
    try {
      pe = deserializePathElement(key);
    } catch (err) {
      throw new FieldSetError(`parsing key as path element: ${err instanceof Error ? err.message : String(err)}`);
    }
    if (pe === undefined) continue;
    if (!isJsonObject(value)) throw new FieldSetError(`the value of ${JSON.stringify(key)} must be a JSON object`);
    const sub = readV1(value);
    children ??= new FieldSet();
    if (sub.isMember) children.insert([pe]);
    if (sub.children) {
      children.graft(pe, sub.children);
    }
  }
  return { children, isMember: isMember || children === undefined };
}

function mergeSorted<T>(a: readonly T[], b: readonly T[], get: (t: T) => PathElement, both: (x: T, y: T) => T): T[] {
  const out: T[] = [];
  let i = 0;
  let j = 0;
  while (i < a.length && j < b.length) {
    const c = comparePathElements(get(a[i]), get(b[j]));
    if (c < 0) out.push(a[i++]);
    else if (c > 0) out.push(b[j++]);
    else out.push(both(a[i++], b[j++]));
  }
  while (i < a.length) out.push(a[i++]);
  while (j < b.length) out.push(b[j++]);
  return out;
}

/** A closed range of completion indexes. */
export interface Interval {
  first: number;
  last: number;
}

/**
 * Sorted, non-overlapping, non-adjacent index ranges — the compressed form of
 * `status.completedIndexes` / `status.failedIndexes` (`1,3-5,7`; two
 * consecutive numbers are written `3,4`, three or more as a range), as
 * upstream's orderedIntervals in indexed_job_utils.go.
 */
export class OrderedIntervals {
  constructor(readonly intervals: readonly Interval[] = []) {}

  /**
   * Parses the text form, keeping indexes below `completions` (upstream
   * parseIndexesFromString): a corrupt interval is skipped, a range is cut at
   * completions - 1, and parsing stops at the first interval starting at or
   * past completions.
   */
  static parse(text: string | undefined | null, completions: number): OrderedIntervals {
    if (!text) return new OrderedIntervals();
    const out: Interval[] = [];
    for (const part of text.split(',')) {
      const limits = part.split('-');
      const first = atoi(limits[0]!);
      if (first === undefined) continue;
      if (first >= completions) break;
      let last = first;
      if (limits.length > 1) {
        const l = atoi(limits[1]!);
        if (l === undefined) continue;
        last = Math.min(l, completions - 1);
      }
      const prev = out[out.length - 1];
      if (prev && prev.last === first - 1) prev.last = last;
      else out.push({ first, last });
    }
    return new OrderedIntervals(out);
  }

  /** The union with `indexes` (sorted ascending). */
  withOrderedIndexes(indexes: readonly number[]): OrderedIntervals {
    return this.merge(new OrderedIntervals(indexes.map((i) => ({ first: i, last: i }))));
  }

  /** The union with another interval list. */
  merge(other: OrderedIntervals): OrderedIntervals {
    const out: Interval[] = [];
    const push = (iv: Interval) => {
      const last = out[out.length - 1];
      if (!last || iv.first > last.last + 1) out.push({ first: iv.first, last: iv.last });
      else if (last.last < iv.last) last.last = iv.last;
    };
    const a = this.intervals;
    const b = other.intervals;
    let i = 0;
    let j = 0;
    while (i < a.length && j < b.length) {
      if (a[i]!.first < b[j]!.first) push(a[i++]!);
      else push(b[j++]!);
    }
    while (i < a.length) push(a[i++]!);
    while (j < b.length) push(b[j++]!);
    return new OrderedIntervals(out);
  }

  /** How many indexes the intervals hold. */
  total(): number {
    return this.intervals.reduce((n, iv) => n + iv.last - iv.first + 1, 0);
  }

  has(ix: number): boolean {
    let lo = 0;
    let hi = this.intervals.length;
    while (hi > lo) {
      const mid = lo + ((hi - lo) >> 1);
      if (this.intervals[mid]!.last >= ix) hi = mid;
      else lo = mid + 1;
    }
    return hi < this.intervals.length && this.intervals[hi]!.first <= ix;
  }

  get length(): number {
    return this.intervals.length;
  }

  toString(): string {
    return this.intervals
      .map((v) => (v.last === v.first ? `${v.first}` : `${v.first}${v.last === v.first + 1 ? ',' : '-'}${v.last}`))
      .join(',');
  }
}

/** Go's strconv.Atoi for the values status fields hold (decimal, optional sign). */
function atoi(s: string): number | undefined {
  if (!/^[+-]?[0-9]+$/.test(s)) return undefined;
  const n = Number(s);
  return Number.isSafeInteger(n) ? n : undefined;
}

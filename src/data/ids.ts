/** Interns external string ids to dense integers 0..size-1, in first-seen order. */
export class IdMap {
  private readonly index = new Map<string, number>();
  private readonly ids: string[] = [];

  static from(ids: Iterable<string>): IdMap {
    const m = new IdMap();
    for (const id of ids) m.intern(id);
    return m;
  }

  get size(): number {
    return this.ids.length;
  }

  /** Index of `id`, adding it when new. */
  intern(id: string): number {
    let i = this.index.get(id);
    if (i === undefined) {
      i = this.ids.length;
      this.index.set(id, i);
      this.ids.push(id);
    }
    return i;
  }

  /** Index of `id`, or -1 when unknown. */
  get(id: string): number {
    return this.index.get(id) ?? -1;
  }

  has(id: string): boolean {
    return this.index.has(id);
  }

  id(index: number): string {
    const s = this.ids[index];
    if (s === undefined) throw new RangeError(`no id at index ${index} (size ${this.ids.length})`);
    return s;
  }

  toArray(): string[] {
    return this.ids.slice();
  }
}

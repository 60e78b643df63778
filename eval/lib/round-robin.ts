/** The first `limit` items taken in turn from each group (item 0 of every group, then item 1, ...). */
export function roundRobin<T>(groups: readonly (readonly T[])[], limit: number): T[] {
  const out: T[] = [];
  const longest = Math.max(0, ...groups.map((g) => g.length));
  for (let i = 0; i < longest && out.length < limit; i++) {
    for (const group of groups) if (i < group.length && out.length < limit) out.push(group[i]!);
  }
  return out;
}

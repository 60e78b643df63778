/**
 * An append-only column of numbers kept in blocks, so reading a file of unknown length never
 * copies what was already read (a doubling array briefly holds old and new copies: 3x the
 * data). Blocks start small so narrow files stay cheap and grow to a fixed maximum.
 */
export class ChunkedColumn<T extends Float32Array | Float64Array> {
  private static readonly FIRST_BLOCK = 256;
  private static readonly LARGEST_BLOCK = 65_536;
  private readonly blocks: T[] = [];
  private current: T;
  private fill = 0;
  private total = 0;

  constructor(private readonly allocate: (length: number) => T) {
    this.current = allocate(ChunkedColumn.FIRST_BLOCK);
  }

  get length(): number {
    return this.total;
  }

  push(value: number): void {
    if (this.fill === this.current.length) {
      this.blocks.push(this.current);
      this.current = this.allocate(Math.min(this.current.length * 2, ChunkedColumn.LARGEST_BLOCK));
      this.fill = 0;
    }
    this.current[this.fill++] = value;
    this.total++;
  }

  /** Writes element i to out[offset + i * stride] (stride > 1 interleaves columns row-major). */
  copyInto(out: T, offset: number, stride: number): void {
    let at = offset;
    const write = (block: T, count: number): void => {
      if (stride === 1) {
        out.set(block.subarray(0, count), at);
        at += count;
        return;
      }
      for (let i = 0; i < count; i++, at += stride) out[at] = block[i]!;
    };
    for (const block of this.blocks) write(block, block.length);
    write(this.current, this.fill);
  }
}

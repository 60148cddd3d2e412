// Output line → template location, stored compactly: a large template has tens of
// thousands of output lines, and one object per line was most of the render's
// garbage. Locations are built when asked for (errors, document sources).
import type { SourceLocation } from './types.js';

/** What a source map must answer; a plain SourceLocation[] qualifies too. */
export interface SourceMapLike {
  readonly length: number;
  at(index: number): SourceLocation | undefined;
}

/** One rendering of one file: every line it contributes shares the file and the directive that loaded it. */
interface Frame {
  file: string;
  via: SourceLocation | undefined;
}

/** Segments of consecutive output lines that come from consecutive lines of one frame. */
export class SourceMap implements SourceMapLike {
  readonly #frames: Frame[] = [];
  readonly #start: number[] = [];
  readonly #frame: number[] = [];
  readonly #line: number[] = [];
  #length = 0;

  get length(): number {
    return this.#length;
  }

  /** Registers a file rendering; its lines are then pushed with the returned id. */
  frame(file: string, via: SourceLocation | undefined): number {
    return this.#frames.push({ file, via }) - 1;
  }

  /** Maps the next `count` output lines to lines `line`, `line + 1`, … of `frame`. */
  push(frame: number, line: number, count = 1): void {
    if (count <= 0) return;
    const last = this.#start.length - 1;
    if (last >= 0 && this.#frame[last] === frame && (this.#line[last] as number) + this.#length - (this.#start[last] as number) === line) {
      this.#length += count;
      return;
    }
    this.#start.push(this.#length);
    this.#frame.push(frame);
    this.#line.push(line);
    this.#length += count;
  }

  /** Forgets the last output line. */
  pop(): void {
    if (this.#length === 0) return;
    this.#length--;
    const last = this.#start.length - 1;
    if (this.#start[last] === this.#length) {
      this.#start.pop();
      this.#frame.pop();
      this.#line.pop();
    }
  }

  at(index: number): SourceLocation | undefined {
    if (!Number.isInteger(index) || index < 0 || index >= this.#length) return undefined;
    let lo = 0;
    let hi = this.#start.length - 1;
    while (lo < hi) {
      const mid = (lo + hi + 1) >> 1;
      if ((this.#start[mid] as number) <= index) lo = mid;
      else hi = mid - 1;
    }
    const { file, via } = this.#frames[this.#frame[lo] as number] as Frame;
    const line = (this.#line[lo] as number) + index - (this.#start[lo] as number);
    return via ? { file, line, via } : { file, line };
  }

  toArray(): SourceLocation[] {
    return Array.from({ length: this.length }, (_, i) => this.at(i) as SourceLocation);
  }
}

/**
 * Runs async work one at a time per key, within this process. The file engine uses it so that a save
 * and a destroy of the same session cannot interleave between "the file still exists" and the rename
 * that replaces it (which would bring a destroyed session back). Across processes that window stays
 * open (POSIX has no "rename only if the target exists"), as in Django.
 */
export class KeyedLock {
  readonly #tails = new Map<string, Promise<void>>();

  async run<T>(key: string, work: () => Promise<T>): Promise<T> {
    const previous = this.#tails.get(key) ?? Promise.resolve();
    let release!: () => void;
    const done = new Promise<void>((resolve) => {
      release = resolve;
    });
    const tail = previous.then(() => done);
    this.#tails.set(key, tail);
    await previous;
    try {
      return await work();
    } finally {
      release();
      if (this.#tails.get(key) === tail) this.#tails.delete(key);
    }
  }

  /** Keys with work queued or running (for tests). */
  get size(): number {
    return this.#tails.size;
  }
}

import type { EngineContext, SaveOptions, SessionData, SessionEngine } from '@sess/core';
import { SessionStoreUnavailable } from '@sess/core';

type Method = 'load' | 'exists' | 'save' | 'destroy' | 'clearExpired';

/**
 * Wraps a real engine: counts the calls that reach it (to prove a request made no store call at all),
 * and can make its store unreachable. While `down` is 'all' every call throws `SessionStoreUnavailable`,
 * as an engine does when its server is gone; while it is 'writes', loads work and saves/destroys throw.
 * The memory engine has no server to stop, so its outage is simulated here; with `down` at 'no' the
 * wrapper changes nothing about what the engine does.
 */
export class ProbedEngine implements SessionEngine {
  readonly inner: SessionEngine;
  readonly calls: Record<Method, number> = { load: 0, exists: 0, save: 0, destroy: 0, clearExpired: 0 };
  readonly isValidKey?: (key: string) => boolean;
  down: 'no' | 'all' | 'writes' = 'no';

  constructor(inner: SessionEngine) {
    this.inner = inner;
    if (inner.isValidKey) this.isValidKey = (key) => inner.isValidKey!(key);
  }

  get name(): string {
    return this.inner.name;
  }

  get capabilities() {
    return this.inner.capabilities;
  }

  /** Every call since the last reset, failed ones included. */
  get total(): number {
    return Object.values(this.calls).reduce((a, b) => a + b, 0);
  }

  reset(): void {
    for (const key of Object.keys(this.calls) as Method[]) this.calls[key] = 0;
    this.down = 'no';
  }

  #enter(method: Method): void {
    this.calls[method]++;
    const write = method === 'save' || method === 'destroy';
    if (this.down === 'all' || (write && this.down === 'writes')) {
      throw new SessionStoreUnavailable(`the ${this.inner.name} store is unavailable (made so by the test)`);
    }
  }

  async load(key: string, context: EngineContext): Promise<SessionData | null> {
    this.#enter('load');
    return this.inner.load(key, context);
  }

  async exists(key: string, context: EngineContext): Promise<boolean> {
    this.#enter('exists');
    return this.inner.exists(key, context);
  }

  async save(key: string, data: SessionData, options: SaveOptions, context: EngineContext) {
    this.#enter('save');
    return this.inner.save(key, data, options, context);
  }

  async destroy(key: string, context: EngineContext): Promise<void> {
    this.#enter('destroy');
    return this.inner.destroy(key, context);
  }

  async clearExpired(context: EngineContext): Promise<number> {
    this.#enter('clearExpired');
    return this.inner.clearExpired(context);
  }

  close(): Promise<void> {
    return this.inner.close?.() ?? Promise.resolve();
  }
}

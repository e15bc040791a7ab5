/**
 * File-based sessions (Django's `django.contrib.sessions.backends.file`), made safe: one file per session
 * named `<cookieName><sessionKey>`, holding exactly Django's encoded session text, so Django and this
 * engine read each other's files. Keys are checked before they touch a path, symlinks are never
 * followed, saves are a temp file plus an atomic rename, and write failures are raised, not swallowed.
 */
import { constants, type Stats } from 'node:fs';
import { type FileHandle, lstat, open, opendir, rename, stat, unlink } from 'node:fs/promises';
import { join } from 'node:path';
import type { EngineContext, SaveOptions, SessionData, SessionEngine } from '@sess/core';
import {
  CreateError,
  EXPIRY_KEY,
  ImproperlyConfigured,
  parseIsoDate,
  SECURITY_LOGGER,
  SessionStoreUnavailable,
  UpdateError,
} from '@sess/core';
import { prepareDirectory } from './directory.js';
import { KeyedLock } from './keyed-lock.js';
import { classifyEntry, sessionPath, tempPath } from './names.js';

export interface FileEngineOptions {
  /** The directory holding the session files (Django's `SESSION_FILE_PATH`); default: the OS temp directory. */
  path?: string | URL;
  /** Create `path` (mode 0700) when it does not exist; default false, as Django, which requires an existing directory. */
  create?: boolean;
  /**
   * Flush each new file to disk (written `O_SYNC`, else `fsync`ed) before it replaces the old one, so a
   * power loss cannot leave an empty session file behind. Default true; false trades that for lower save
   * latency (a process crash or kill is safe either way: the rename is atomic).
   */
  fsync?: boolean;
  /**
   * zlib-compress the file's content when that makes it smaller, as Django does. Default true (Django's
   * exact bytes). False skips zlib: faster saves and loads, larger files, and Django still reads them.
   */
  compress?: boolean;
}

/** Temp files older than this are leftovers of a crashed save; `clearExpired()` removes them. */
export const STALE_TEMP_AGE_MS = 60_000;
/** Files `clearExpired()` examines at once: bounded, whatever the directory size. */
const CLEAR_CONCURRENCY = 8;

const O_NOFOLLOW = constants.O_NOFOLLOW ?? 0;
const O_NONBLOCK = constants.O_NONBLOCK ?? 0;
// O_NONBLOCK: opening a FIFO planted at a session path must not hang the request.
const READ_FLAGS = constants.O_RDONLY | O_NOFOLLOW | O_NONBLOCK;
const CREATE_FLAGS = constants.O_WRONLY | constants.O_CREAT | constants.O_EXCL | O_NOFOLLOW;
// With `fsync`, temp files are opened O_SYNC where the platform has it: each write returns once data and
// metadata are on disk, as write + fsync (Linux runs the same fsync inside the write), one call fewer.
const O_SYNC = constants.O_SYNC ?? 0;
const SYNC_CREATE_FLAGS = CREATE_FLAGS | O_SYNC;
const FILE_MODE = 0o600;
/** Files up to this size are read with one `read` into a buffer of their size (see `#read`). */
const DIRECT_READ_MAX = 512 * 1024;

/** One lock table per process: two engines on the same directory still serialize per file. */
const locks = new KeyedLock();

interface StoredFile {
  text: string;
  stats: Stats;
}

function codeOf(error: unknown): string | undefined {
  return (error as NodeJS.ErrnoException | undefined)?.code;
}

export class FileEngine implements SessionEngine {
  readonly name = 'file';
  readonly capabilities = { clearExpired: true } as const;
  /** The storage directory: absolute, symlinks resolved. */
  readonly directory: string;
  readonly fsync: boolean;
  readonly compress: boolean;
  /** What `save` passes to `codec.encode`: made once, not per save. */
  readonly #encodeOptions: { compress: boolean };
  /**
   * Whether `open(…, 0o600)` yields mode 0600 here, i.e. the umask leaves the owner bits alone: learned
   * from this engine's first file (`undefined` until then). When it does not, every file is chmod'ed.
   */
  #umaskKeepsMode: boolean | undefined;

  constructor(options: FileEngineOptions = {}) {
    const { path, create = false, fsync = true, compress = true } = options ?? {};
    if (typeof create !== 'boolean' || typeof fsync !== 'boolean') {
      throw new ImproperlyConfigured('fileEngine: `create` and `fsync` must be true or false');
    }
    if (typeof compress !== 'boolean')
      throw new ImproperlyConfigured('fileEngine: `compress` must be true or false');
    this.directory = prepareDirectory(path, create);
    this.fsync = fsync;
    this.compress = compress;
    this.#encodeOptions = { compress };
  }

  /** The file a session lives in. Throws `InvalidSessionKey` for a key that could name anything else. */
  pathOf(key: string, context: Pick<EngineContext, 'cookieName'>): string {
    return sessionPath(this.directory, context.cookieName, key);
  }

  async load(key: string, context: EngineContext): Promise<SessionData | null> {
    const file = this.pathOf(key, context);
    const stored = await this.#read(file, context);
    if (!stored) return null;
    const data = await this.#decode(stored, context);
    if (this.#expired(data, stored.stats, context)) {
      await this.#removeIfUnchanged(file, stored.stats, context);
      return null;
    }
    return data;
  }

  async exists(key: string, context: EngineContext): Promise<boolean> {
    const stored = await this.#read(this.pathOf(key, context), context);
    if (!stored) return false;
    return !this.#expired(await this.#decode(stored, context), stored.stats, context);
  }

  async save(
    key: string,
    data: SessionData,
    options: SaveOptions,
    context: EngineContext,
  ): Promise<undefined> {
    const file = this.pathOf(key, context);
    // Encode first: a value the serializer refuses must not leave a placeholder file behind.
    const content = Buffer.from(await context.codec.encode(data, this.#encodeOptions), 'latin1');
    await locks.run(file, async () => {
      if (options.mustCreate) {
        await this.#claim(file);
        try {
          await this.#replace(file, content);
        } catch (error) {
          await unlink(file).catch(() => {});
          throw error;
        }
      } else {
        // The existence check runs while the temp file is written; `#replace` waits for it before the
        // rename, and its failure (UpdateError, a store failure) wins over any write failure.
        const stored = this.#assertStored(file, context);
        stored.catch(() => {}); // handled in #replace
        await this.#replace(file, content, stored);
      }
    });
    return undefined;
  }

  async destroy(key: string, context: EngineContext): Promise<void> {
    const file = this.pathOf(key, context);
    await locks.run(file, async () => {
      try {
        await unlink(file);
      } catch (error) {
        if (codeOf(error) !== 'ENOENT') throw this.#failure('delete', error);
      }
    });
  }

  /**
   * Removes expired session files and returns how many. Streams the directory (never lists it whole) and
   * looks at a few files at a time, so memory stays flat at a million files. Only `<cookieName><key>`
   * files with a valid key are sessions; temp files of saves that crashed (older than a minute) are
   * removed too but not counted.
   */
  async clearExpired(context: EngineContext): Promise<number> {
    let removed = 0;
    let failure: unknown;
    const running = new Set<Promise<void>>();
    const track = (task: Promise<boolean>) => {
      const tracked: Promise<void> = task.then(
        (gone) => {
          if (gone) removed++;
        },
        (error: unknown) => {
          failure ??= error;
        },
      );
      running.add(tracked);
      void tracked.finally(() => running.delete(tracked));
    };

    let dir: Awaited<ReturnType<typeof opendir>>;
    try {
      dir = await opendir(this.directory, { bufferSize: 64 });
    } catch (error) {
      throw this.#failure('list', error);
    }
    for await (const entry of dir) {
      const what = classifyEntry(entry.name, context.cookieName);
      if (what.kind === 'session') track(this.#expireOne(what.key, context));
      else if (what.kind === 'temp') track(this.#removeStaleTemp(entry.name, context).then(() => false));
      else continue;
      if (running.size >= CLEAR_CONCURRENCY) await Promise.race(running);
      if (failure !== undefined) break; // leaving the loop closes the directory
    }
    await Promise.all(running);
    if (failure !== undefined) throw failure;
    return removed;
  }

  async close(): Promise<void> {}

  // Reading

  /** The file's text and its stats from the same open file, or null when there is no session file. */
  async #read(file: string, context: EngineContext): Promise<StoredFile | null> {
    let handle: FileHandle;
    try {
      handle = await open(file, READ_FLAGS);
    } catch (error) {
      const code = codeOf(error);
      if (code === 'ENOENT') {
        await this.#assertDirectory();
        return null;
      }
      if (code === 'ELOOP') {
        context.logger.warn('Session file is a symbolic link; it was not followed', {
          logger: SECURITY_LOGGER,
        });
        return null;
      }
      throw this.#failure('read', error);
    }
    try {
      const stats = await handle.stat();
      if (!stats.isFile()) {
        context.logger.warn('Session path is not a regular file; it was ignored', {
          logger: SECURITY_LOGGER,
        });
        return null;
      }
      // The size just read from this open file: one `read` instead of `readFile`, which would fstat again.
      // An empty file (Django's placeholder) or a large one goes through `readFile` as before.
      const bytes =
        stats.size > 0 && stats.size <= DIRECT_READ_MAX
          ? await readSized(handle, stats.size)
          : await handle.readFile();
      return { text: bytes.toString('latin1'), stats };
    } catch (error) {
      throw this.#failure('read', error);
    } finally {
      await handle.close();
    }
  }

  /** Django accepts an empty file (its must-create placeholder) as an empty session. */
  async #decode(stored: StoredFile, context: EngineContext): Promise<SessionData> {
    return stored.text === '' ? {} : context.codec.decode(stored.text);
  }

  /**
   * Django's rule: `_session_expiry` when it is a date, else the file's modification time plus the cookie
   * age. One fix: an integer `_session_expiry` counts from the modification time (Django compares the
   * bare integer, so such a session never idles out).
   */
  expiresAt(data: SessionData, modifiedMs: number, context: Pick<EngineContext, 'cookieAge'>): number {
    const expiry = data[EXPIRY_KEY];
    if (typeof expiry === 'string') {
      const date = parseIsoDate(expiry);
      if (date) return date.getTime();
    } else if (typeof expiry === 'number' && expiry !== 0 && Number.isFinite(expiry)) {
      return modifiedMs + expiry * 1000;
    }
    return modifiedMs + context.cookieAge * 1000;
  }

  #expired(data: SessionData, stats: Stats, context: EngineContext): boolean {
    // Whole seconds, as Django's get_expiry_age: expired once less than a second is left.
    return Math.floor((this.expiresAt(data, stats.mtimeMs, context) - context.clock.now()) / 1000) <= 0;
  }

  // Writing

  /** Must-create: an exclusive create claims the key (`CreateError` when taken); it is then filled by rename. */
  async #claim(file: string): Promise<void> {
    let handle: FileHandle;
    try {
      handle = await open(file, CREATE_FLAGS, FILE_MODE);
    } catch (error) {
      if (codeOf(error) === 'EEXIST')
        throw new CreateError('the session key is already taken by a session file');
      throw this.#failure('create', error);
    }
    try {
      await this.#ensureMode(handle);
    } finally {
      await handle.close();
    }
  }

  /** Mode 0600 for a file just created with it, whatever the umask: a chmod only where the umask strips bits. */
  async #ensureMode(handle: FileHandle): Promise<void> {
    if (this.#umaskKeepsMode === true) return;
    if (this.#umaskKeepsMode === undefined) {
      this.#umaskKeepsMode = ((await handle.stat()).mode & 0o777) === FILE_MODE;
      if (this.#umaskKeepsMode) return;
    }
    await handle.chmod(FILE_MODE);
  }

  /** Must-update: the session file must still be there (`UpdateError` otherwise: never recreate it). */
  async #assertStored(file: string, context: EngineContext): Promise<void> {
    let stats: Stats;
    try {
      stats = await lstat(file);
    } catch (error) {
      if (codeOf(error) !== 'ENOENT') throw this.#failure('read', error);
      await this.#assertDirectory();
      throw new UpdateError('the session file no longer exists (deleted or expired meanwhile)');
    }
    if (!stats.isFile()) {
      context.logger.warn('Session path is not a regular file; refusing to update it', {
        logger: SECURITY_LOGGER,
      });
      throw new UpdateError('the session file was replaced by something that is not a regular file');
    }
  }

  /**
   * Writes `content` to a new temp file in the same directory and renames it over `file`. A crash or kill
   * at any point leaves either the old file or the new one, never a torn one; a reader sees one or the other.
   * `precondition` (the must-update check) must hold before the rename; its failure is raised rather than
   * any write failure, as if it had run first.
   */
  async #replace(file: string, content: Uint8Array, precondition?: Promise<void>): Promise<void> {
    const temp = tempPath(file);
    let handle: FileHandle;
    try {
      handle = await open(temp, this.fsync ? SYNC_CREATE_FLAGS : CREATE_FLAGS, FILE_MODE);
    } catch (error) {
      await precondition;
      throw this.#failure('write', error);
    }
    // Any failure from here on removes the temp file; `stage` says which error is raised.
    let stage: 'write' | 'precondition' | 'rename' = 'write';
    try {
      try {
        await this.#ensureMode(handle);
        await handle.writeFile(content);
        if (this.fsync && O_SYNC === 0) await handle.sync();
      } catch (error) {
        await handle.close().catch(() => {});
        throw error;
      }
      await handle.close();
      stage = 'precondition';
      await precondition;
      stage = 'rename';
      await rename(temp, file);
    } catch (error) {
      await unlink(temp).catch(() => {});
      if (stage === 'write') await precondition;
      throw stage === 'precondition' ? error : this.#failure('write', error);
    }
  }

  // Removing

  /** Unlinks an expired file unless a save replaced it since it was read. */
  async #removeIfUnchanged(file: string, read: Stats, context: EngineContext): Promise<boolean> {
    return locks.run(file, async () => {
      try {
        const now = await lstat(file);
        if (now.ino !== read.ino || now.dev !== read.dev) return false;
        await unlink(file);
        return true;
      } catch (error) {
        if (codeOf(error) === 'ENOENT') return false;
        context.logger.warn('Could not remove an expired session file', { logger: 'sess.sessions', error });
        return false;
      }
    });
  }

  async #expireOne(key: string, context: EngineContext): Promise<boolean> {
    const file = this.pathOf(key, context);
    const stored = await this.#read(file, context);
    if (!stored) return false;
    if (!this.#expired(await this.#decode(stored, context), stored.stats, context)) return false;
    return this.#removeIfUnchanged(file, stored.stats, context);
  }

  async #removeStaleTemp(name: string, context: EngineContext): Promise<void> {
    const temp = join(this.directory, name);
    try {
      const stats = await lstat(temp);
      if (!stats.isFile() || context.clock.now() - stats.mtimeMs <= STALE_TEMP_AGE_MS) return;
      await unlink(temp);
    } catch (error) {
      if (codeOf(error) !== 'ENOENT') throw this.#failure('delete', error);
    }
  }

  // Failures

  /** A session file missing because its directory is gone is a broken store, not an absent session. */
  async #assertDirectory(): Promise<void> {
    let stats: Stats;
    try {
      stats = await stat(this.directory);
    } catch (error) {
      throw this.#failure('read', error);
    }
    if (!stats.isDirectory()) {
      throw new SessionStoreUnavailable(
        `file engine: the session storage path ${this.directory} is no longer a directory`,
      );
    }
  }

  #failure(action: 'read' | 'write' | 'create' | 'delete' | 'list', error: unknown): SessionStoreUnavailable {
    const code = codeOf(error) ?? (error instanceof Error ? error.message : String(error));
    const hint =
      code === 'ENOSPC' || code === 'EDQUOT' || code === 'EFBIG'
        ? ': the disk (or a quota or file-size limit) is full'
        : code === 'EACCES' || code === 'EPERM' || code === 'EROFS'
          ? ': check that the directory is writable by the user the app runs as'
          : code === 'ENOENT' || code === 'ENOTDIR'
            ? ': the storage directory is gone'
            : '';
    return new SessionStoreUnavailable(
      `file engine: could not ${action} session files in ${this.directory} (${code})${hint}`,
      { cause: error },
    );
  }
}

/** `size` bytes from the start of an open file (fewer if it ends sooner), as `readFile` would return them. */
async function readSized(handle: FileHandle, size: number): Promise<Buffer> {
  const buffer = Buffer.allocUnsafe(size);
  let offset = 0;
  while (offset < size) {
    const { bytesRead } = await handle.read(buffer, offset, size - offset, offset);
    if (bytesRead === 0) break;
    offset += bytesRead;
  }
  return offset === size ? buffer : buffer.subarray(0, offset);
}

export function fileEngine(options?: FileEngineOptions): FileEngine {
  return new FileEngine(options);
}

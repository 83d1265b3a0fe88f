/** Errors about recordings on disk. The message always starts with the file it is about. */
import { SeamdError, type StoreCode } from '../errors.js';

export class StoreError extends SeamdError<StoreCode> {
  /** The file (or directory) the problem is in. */
  readonly file: string;
  constructor(code: StoreCode, file: string, problem: string, options?: { cause?: unknown }) {
    super(code, `${file}: ${problem}`, options);
    this.file = file;
  }
}

/** Wraps a Node fs error (ENOENT, EACCES, ENOSPC, ...) as STORE_IO, keeping it as the cause. */
export function ioError(file: string, what: string, err: unknown): StoreError {
  if (err instanceof StoreError) return err;
  const code = (err as NodeJS.ErrnoException | undefined)?.code;
  const detail = err instanceof Error ? err.message : String(err);
  return new StoreError('STORE_IO', file, `${what} failed (${code ?? detail})`, { cause: err });
}

/** The command line's exit codes, one home for every command. */
export const EXIT_OK = 0;
/** Runtime failure: could not start, a stop failed, a recording could not be read or repaired. */
export const EXIT_FAILURE = 1;
/** Invalid config or command line. */
export const EXIT_USAGE = 2;

/** Thrown by command actions to end with an exit code (and an optional line for stderr). */
export class CliExit extends Error {
  constructor(
    readonly exitCode: number,
    message = '',
  ) {
    super(message);
    this.name = 'CliExit';
  }
}

/**
 * A leg's keepalive: the origin forgets a session it hears nothing from for its timeout, so a
 * request goes out every half timeout (GET_PARAMETER when the origin's OPTIONS listed it, else
 * OPTIONS). A 454 answer means the origin already forgot the session: the leg is told it expired.
 */
import type { Logger } from 'pino';
import { logEvent } from '../events.js';
import type { LegControl } from './leg-control.js';
import { DEFAULT_SESSION_TIMEOUT_S, isOk, statusError } from './leg-rtsp.js';

export interface KeepaliveOptions {
  /** The leg's id (logs). */
  readonly leg: string;
  readonly log: Logger;
  readonly control: LegControl;
  /** The aggregate control URL, once described. */
  readonly uri: () => string | undefined;
  /** Methods the origin's OPTIONS listed (upper case). */
  readonly publicMethods: () => ReadonlySet<string>;
  /** The origin answered 454 Session Not Found: the session is gone. */
  readonly onExpired: (err: Error) => void;
}

export class LegKeepalive {
  private timer: NodeJS.Timeout | undefined;

  constructor(private readonly opts: KeepaliveOptions) {}

  /** (Re)starts the keepalive for a session with this timeout (seconds; 0 = the default). */
  start(timeoutS: number): void {
    this.stop();
    const everyMs = Math.max(1000, ((timeoutS || DEFAULT_SESSION_TIMEOUT_S) * 1000) / 2);
    this.timer = setInterval(() => void this.send(), everyMs);
    this.timer.unref();
  }

  stop(): void {
    if (this.timer) clearInterval(this.timer);
    this.timer = undefined;
  }

  private async send(): Promise<void> {
    const { control, log } = this.opts;
    const uri = this.opts.uri();
    if (uri === undefined || !control.connected || this.timer === undefined) return;
    const method = this.opts.publicMethods().has('GET_PARAMETER') ? 'GET_PARAMETER' : 'OPTIONS';
    try {
      const res = await control.call(method, uri, {}, true);
      if (res.status === 454) {
        this.opts.onExpired(control.logged(statusError(method, uri, res), method));
      } else if (!isOk(res)) {
        const fields = { leg: this.opts.leg, method, status: res.status };
        logEvent(log, 'warn', 'leg.keepalive', fields, 'keepalive refused');
      }
    } catch {
      // already logged as upstream.error; a lost connection closes the leg through 'lost'
    }
  }
}

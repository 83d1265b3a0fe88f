/**
 * Reads RTSP replies over TCP the way live555's client (VLC, openRTSP) does when interleaved
 * media may share the connection: a `$` byte is taken as the start of an interleaved frame
 * wherever it appears, even inside a header line. What openRTSP was seen to do with a session id
 * holding `$` (`abc$dEF` came back as `abcEF`) is modelled here: the `$` and the byte after it
 * (the "channel") leave the text. A reply is complete at its blank line plus Content-Length.
 */
import { connect, type Socket } from 'node:net';

export interface Live555Reply {
  status: number;
  /** Header lines as the client saw them, lower-cased names. */
  headers: Map<string, string>;
}

export class Live555StyleClient {
  private text = '';
  private pendingSkip = 0;
  private frameRemaining = -1;
  private frameHeader: number[] = [];
  private readonly replies: Live555Reply[] = [];
  private waiter: (() => void) | undefined;
  private cseq = 0;

  private constructor(private readonly socket: Socket) {
    socket.on('data', (chunk: Buffer) => this.push(chunk));
  }

  static connect(host: string, port: number): Promise<Live555StyleClient> {
    return new Promise((resolve, reject) => {
      const s = connect({ host, port }, () => resolve(new Live555StyleClient(s)));
      s.once('error', reject);
    });
  }

  private push(chunk: Buffer): void {
    for (const byte of chunk) {
      if (this.frameRemaining >= 0) {
        // Inside a real interleaved frame at a message boundary: `$`, channel, length, payload.
        if (this.frameHeader.length < 3) {
          this.frameHeader.push(byte);
          if (this.frameHeader.length === 3) {
            this.frameRemaining = ((this.frameHeader[1] ?? 0) << 8) | (this.frameHeader[2] ?? 0);
          }
        } else {
          this.frameRemaining--;
        }
        if (this.frameHeader.length === 3 && this.frameRemaining === 0) this.frameRemaining = -1;
        continue;
      }
      if (this.pendingSkip > 0) {
        this.pendingSkip--;
        continue;
      }
      if (byte === 0x24) {
        if (this.text === '') {
          this.frameHeader = [];
          this.frameRemaining = 0;
        } else {
          this.pendingSkip = 1;
        }
        continue;
      }
      this.text += String.fromCharCode(byte);
      this.tryReply();
    }
  }

  private tryReply(): void {
    const end = this.text.indexOf('\r\n\r\n');
    if (end < 0) return;
    const lines = this.text.slice(0, end).split('\r\n');
    const headers = new Map<string, string>();
    for (const line of lines.slice(1)) {
      const colon = line.indexOf(':');
      if (colon > 0)
        headers.set(line.slice(0, colon).trim().toLowerCase(), line.slice(colon + 1).trim());
    }
    const length = Number(headers.get('content-length') ?? '0');
    if (this.text.length < end + 4 + length) return;
    this.text = this.text.slice(end + 4 + length);
    const status = Number(/^RTSP\/1\.0 (\d{3})/.exec(lines[0] ?? '')?.[1] ?? '0');
    this.replies.push({ status, headers });
    const w = this.waiter;
    this.waiter = undefined;
    w?.();
  }

  async request(
    method: string,
    uri: string,
    headers: Record<string, string> = {},
  ): Promise<Live555Reply> {
    let msg = `${method} ${uri} RTSP/1.0\r\nCSeq: ${++this.cseq}\r\nUser-Agent: LIVE555 Streaming Media v2020.01.01\r\n`;
    for (const [k, v] of Object.entries(headers)) msg += `${k}: ${v}\r\n`;
    this.socket.write(`${msg}\r\n`);
    const deadline = Date.now() + 15000;
    while (this.replies.length === 0) {
      if (Date.now() > deadline) throw new Error(`${method}: no reply`);
      await new Promise<void>((resolve) => {
        this.waiter = resolve;
        setTimeout(resolve, 200);
      });
    }
    const reply = this.replies.shift();
    if (!reply) throw new Error(`${method}: no reply`);
    return reply;
  }

  close(): void {
    this.socket.destroy();
  }
}

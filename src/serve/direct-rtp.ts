/**
 * Connected UDP senders for playing viewers' RTP (net/connected-udp.ts), opened when a session
 * starts playing and closed when it ends; until one is connected (or when it cannot be: no fd,
 * port trouble) the session sends through the shared RTP socket as before.
 */
import type { Socket } from 'node:dgram';
import { ConnectedSender, type LocalPort } from '../net/connected-udp.js';
import type { ViewerSession } from './viewer.js';

export class DirectRtp {
  private readonly open = new Map<ViewerSession, Map<string, ConnectedSender>>();

  constructor(
    /** The shared RTP socket (bound with `shareRtp`), once bound. */
    private readonly rtp: () => Socket | undefined,
    private readonly host: string,
  ) {}

  private local(): LocalPort | undefined {
    let a;
    try {
      a = this.rtp()?.address();
    } catch {
      return undefined; // closed (shutting down)
    }
    if (!a) return undefined;
    return { family: a.family === 'IPv6' ? 'udp6' : 'udp4', host: this.host, port: a.port };
  }

  /** Opens a sender for each UDP track of a session that starts playing (once per destination). */
  start(session: ViewerSession): void {
    const local = this.local();
    if (!local) return;
    let mine = this.open.get(session);
    if (!mine) {
      mine = new Map();
      this.open.set(session, mine);
    }
    for (const [track, t] of session.tracks) {
      if (t.kind !== 'udp') continue;
      const key = `${t.address}:${t.rtpPort}`;
      const have = mine.get(key);
      if (have) {
        session.useDirectRtp(track, t, (p) => have.send(p));
        continue;
      }
      const held = mine;
      ConnectedSender.open(local, t.address, t.rtpPort).then(
        (sender) => {
          if (this.open.get(session) !== held || held.has(key)) {
            sender.close();
            return;
          }
          held.set(key, sender);
          if (session.tracks.get(track) === t)
            session.useDirectRtp(track, t, (p) => sender.send(p));
        },
        () => undefined, // stays on the shared socket
      );
    }
  }

  /** The session ended: back to nothing, then the sockets are closed. */
  end(session: ViewerSession): void {
    const mine = this.open.get(session);
    if (!mine) return;
    this.open.delete(session);
    session.dropDirectRtp();
    for (const s of mine.values()) s.close();
  }
}

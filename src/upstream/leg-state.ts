/**
 * A leg's life as a guarded state machine: idle → described (DESCRIBE) → ready (SETUP) →
 * playing ⇄ paused, and closed from anywhere. Every move is checked: an operation on a closed
 * leg is UPSTREAM_CLOSED (the upstream session is gone), any other illegal one INVALID_STATE
 * (a caller's bug).
 */
import { RuntimeError, UpstreamError } from '../errors.js';

export type LegState = 'idle' | 'described' | 'ready' | 'playing' | 'paused' | 'closed';

/**
 * The moves a leg may make. A playing leg goes back to 'described' when its UDP stayed silent
 * and it redoes its session over TCP.
 */
const NEXT: Readonly<Record<LegState, readonly LegState[]>> = {
  idle: ['described', 'closed'],
  described: ['ready', 'closed'],
  ready: ['playing', 'closed'],
  playing: ['playing', 'paused', 'described', 'closed'],
  paused: ['playing', 'paused', 'closed'],
  closed: [],
};

export class LegStateMachine {
  private state: LegState = 'idle';

  constructor(private readonly leg: string) {}

  get current(): LegState {
    return this.state;
  }

  /** Throws unless the current state allows `op`. */
  expect(op: string, allowed: readonly LegState[]): void {
    if (!allowed.includes(this.state)) throw this.refusal(`cannot ${op} in state ${this.state}`);
  }

  /** One checked step; closing goes through `close()`. */
  moveTo(next: Exclude<LegState, 'closed'>): void {
    if (!NEXT[this.state].includes(next)) {
      throw this.refusal(`cannot go from ${this.state} to ${next}`);
    }
    this.state = next;
  }

  /** True when this closed the leg, false when it was closed already. */
  close(): boolean {
    if (this.state === 'closed') return false;
    this.state = 'closed';
    return true;
  }

  private refusal(what: string): Error {
    const why = `leg ${this.leg}: ${what}`;
    return this.state === 'closed'
      ? new UpstreamError('UPSTREAM_CLOSED', why)
      : new RuntimeError('INVALID_STATE', why);
  }
}

/**
 * A token bucket that paces calls to Security Hub.
 *
 * Security Hub throttles per account and Region, shared by every caller in that account: this process, its
 * sibling Lambda containers, other integrations. The rate budget (src/shared/contract.ts) splits the quota
 * between the containers; retries with back-off (importer.ts) absorb the rest.
 */
import { RATE_BUDGET } from '../shared/contract';

/** Time, injectable so tests can run the bucket without waiting. */
export interface Clock {
  /** Milliseconds since the epoch. */
  now(): number;
  /** Resolves after `ms` milliseconds. */
  sleep(ms: number): Promise<void>;
}

/** The real clock. */
export const SYSTEM_CLOCK: Clock = {
  now: () => Date.now(),
  sleep: (ms: number) => new Promise<void>((resolve) => setTimeout(resolve, Math.max(0, ms))),
};

/** Options of a `Pacer`. */
export interface PacerOptions {
  /** Sustained rate. @default RATE_BUDGET.IMPORTS_PER_SECOND */
  readonly requestsPerSecond?: number;
  /** Requests that may go out at once after a quiet period. @default RATE_BUDGET.IMPORT_BURST */
  readonly burst?: number;
  /** @default SYSTEM_CLOCK */
  readonly clock?: Clock;
}


/**
 * Token bucket with reservations: each `acquire()` takes a token at once, letting the balance go negative,
 * and then waits until the balance it left behind has refilled. Concurrent callers are thereby served in
 * call order at exactly the configured rate, with no polling and no lost wake-ups.
 */
export class Pacer {
  private readonly rate: number;
  private readonly burst: number;
  private readonly clock: Clock;
  private tokens: number;
  private last: number;

  constructor(options: PacerOptions = {}) {
    this.rate = options.requestsPerSecond ?? RATE_BUDGET.IMPORTS_PER_SECOND;
    this.burst = options.burst ?? RATE_BUDGET.IMPORT_BURST;
    if (!(Number.isFinite(this.rate) && this.rate > 0)) {
      throw new Error(`requestsPerSecond must be a positive number, got ${this.rate}`);
    }
    if (!(Number.isInteger(this.burst) && this.burst >= 1)) {
      throw new Error(`burst must be a whole number of at least 1, got ${this.burst}`);
    }
    this.clock = options.clock ?? SYSTEM_CLOCK;
    this.tokens = this.burst;
    this.last = this.clock.now();
  }

  /**
   * Waits for a request slot. Returns the milliseconds waited (0 when a token was available).
   */
  public async acquire(): Promise<number> {
    const wait = this.reserve();
    if (wait > 0) await this.clock.sleep(wait);
    return wait;
  }

  /** Takes a token now and returns how long the caller must wait before using it. */
  public reserve(): number {
    this.refill();
    this.tokens -= 1;
    return this.tokens >= 0 ? 0 : Math.ceil((-this.tokens / this.rate) * 1000);
  }

  /** Tokens available now (negative while reservations are waiting). */
  public available(): number {
    this.refill();
    return this.tokens;
  }

  private refill(): void {
    const now = this.clock.now();
    const elapsed = Math.max(0, now - this.last); // a clock that steps back must not mint tokens
    this.last = now;
    this.tokens = Math.min(this.burst, this.tokens + (elapsed / 1000) * this.rate);
  }
}

import { Clock } from '../../src/runtime/pacer';

/**
 * Virtual time: `sleep` records its duration and resolves at once, moving the clock to the sleeper's wake-up
 * time (never backwards). Sleepers that started together overlap, as with a real clock. Pacing and back-off
 * are thereby checked by arithmetic, never by waiting or timing.
 */
export class FakeClock implements Clock {
  public readonly sleeps: number[] = [];
  private t: number;

  constructor(start = 1_700_000_000_000) {
    this.t = start;
  }

  public now(): number {
    return this.t;
  }

  public async sleep(ms: number): Promise<void> {
    this.sleeps.push(ms);
    const wakeAt = this.t + Math.max(0, ms);
    await Promise.resolve(); // let callers that started at the same instant start their own sleeps first
    this.t = Math.max(this.t, wakeAt);
  }

  public advance(ms: number): void {
    this.t += ms;
  }
}

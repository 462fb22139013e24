import { FakeClock } from './fake-clock';
import { Pacer } from '../../src/runtime/pacer';

describe('Pacer (token bucket)', () => {
  test.each<[string, number, number, number, number[]]>([
    // name, rate/s, burst, requests at once, expected waits (ms)
    ['within the burst nobody waits', 5, 10, 10, Array(10).fill(0)],
    ['past the burst, one slot per 1/rate', 5, 10, 13, [...Array(10).fill(0), 200, 400, 600]],
    ['burst 1', 2, 1, 3, [0, 500, 1000]],
    ['fractional rate', 0.5, 1, 2, [0, 2000]],
  ])('%s', (_name, rate, burst, n, waits) => {
    const clock = new FakeClock();
    const pacer = new Pacer({ requestsPerSecond: rate, burst, clock });
    expect(Array.from({ length: n }, () => pacer.reserve())).toEqual(waits);
  });

  test('concurrent callers are served in call order at the configured rate', async () => {
    const clock = new FakeClock();
    const pacer = new Pacer({ requestsPerSecond: 10, burst: 2, clock });
    const waited = await Promise.all(Array.from({ length: 5 }, () => pacer.acquire()));
    expect(waited).toEqual([0, 0, 100, 200, 300]);
  });

  test('tokens refill with time, never beyond the burst', () => {
    const clock = new FakeClock();
    const pacer = new Pacer({ requestsPerSecond: 5, burst: 10, clock });
    for (let i = 0; i < 10; i++) pacer.reserve();
    expect(pacer.available()).toBe(0);
    clock.advance(1000);
    expect(pacer.available()).toBe(5);
    clock.advance(60_000);
    expect(pacer.available()).toBe(10);
  });

  test('a clock stepping back mints no tokens', () => {
    const clock = new FakeClock();
    const pacer = new Pacer({ requestsPerSecond: 5, burst: 1, clock });
    pacer.reserve();
    clock.advance(-10_000);
    expect(pacer.reserve()).toBe(200);
  });

  test('defaults: 5 requests/s, burst 10', () => {
    const pacer = new Pacer({ clock: new FakeClock() });
    const waits = Array.from({ length: 11 }, () => pacer.reserve());
    expect(waits.slice(0, 10).every((w) => w === 0)).toBe(true);
    expect(waits[10]).toBe(200);
  });

  test.each<[number, number, RegExp]>([
    [0, 10, /requestsPerSecond must be a positive number/],
    [-1, 10, /requestsPerSecond/],
    [Number.NaN, 10, /requestsPerSecond/],
    [5, 0, /burst must be a whole number of at least 1/],
    [5, 1.5, /burst/],
  ])('rejects rate %p burst %p', (rate, burst, message) => {
    expect(() => new Pacer({ requestsPerSecond: rate, burst })).toThrow(message);
  });
});

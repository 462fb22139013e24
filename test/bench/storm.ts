/**
 * Storm control (issue 22): what people receive during a storm, measured on the storms of
 * test/runtime/storm/scenario.ts. Not part of the test task (test/runtime/storm/storm.test.ts asserts the same
 * figures); run.ts calls `storm()` and writes its rows as `storm` in test-reports/bench.json.
 *
 *   TS_NODE_TRANSPILE_ONLY=1 npx ts-node --project tsconfig.dev.json test/bench/run.ts --only storm
 *
 * - "1,000 failures in 5 minutes": the Region-wide failure fed to the real recorder in the SQS poller's batches
 *   (2 s window, at most 100) on a fake clock, the flusher every minute, against moto's DynamoDB. Messages sent =
 *   first alarms + digests. First message latency = the longest, over the incidents, of the wait for the batch to
 *   close (fake clock: at most the 2 s batching window) plus the real time from the start of its batch's processing
 *   to the publish (against moto on 127.0.0.1; DynamoDB's own latency is not in it, nor Lambda's or SNS's). Events
 *   lost = 1,000 minus the events the first alarms and the digests counted.
 * - "mass deletion: 500 tamper signals": storm control takes none of them (event-ruler: its pattern matches none);
 *   the central tamper rules send each one as its own email, directly (EventBridge to SNS, no buffer of this
 *   library: latency 0 added). Messages sent = the events the central tamper patterns match.
 */
import { anyFailurePattern, centralTamperCallPattern, centralTamperStatePattern } from '../../src/private/patterns';
import { PublishReason } from '../../src/runtime/storm/run';
import { matchMatrix } from '../ruler/ruler';
import { MotoServer } from '../runtime/heartbeat/moto-server';
import { createStormLedger, massDeletion, regionWideFailure, runStorm, STORM_EVENTS } from '../runtime/storm/scenario';

/** One storm row. */
export interface StormRow {
  readonly scenario: '1,000 failures in 5 minutes' | 'mass deletion: 500 tamper signals';
  readonly events: number;
  readonly messagesSent: number;
  readonly firstAlarms: number;
  readonly digests: number;
  readonly firstMessageLatencyMs: number;
  readonly eventsLost: number;
  readonly wallMs: number;
  readonly note: string;
}

/** Runs both storms; starts and stops its own moto server. */
export async function storm(): Promise<{ moto: string; rows: StormRow[] }> {
  const moto = await MotoServer.start();
  try {
    const events = regionWideFailure();
    const table = await createStormLedger(moto, 'storm-bench');
    const run = await runStorm({ events, call: moto.dynamo, tableName: table });
    const first = run.sent.filter((s) => s.reason === PublishReason.FIRST);
    const digests = run.sent.filter((s) => s.reason === 'DIGEST');
    const counted = first.length + digests.reduce((n, d) => n + d.groups!.reduce((k, g) => k + g.digested, 0), 0);
    const latency = Math.max(...first.map((s) => {
      const i = events.findIndex((e) => s.text.includes(`(job ${e.jobId})`));
      return s.at - events[i].at + s.wallInBatchMs;
    }));

    const started = Date.now();
    const deletion = massDeletion();
    const m = matchMatrix({ storm: anyFailurePattern(), calls: centralTamperCallPattern(), states: centralTamperStatePattern() }, deletion);
    const names = Object.keys(deletion);
    const taken = names.filter((n) => m.storm[n]).length;
    const direct = names.filter((n) => m.calls[n] || m.states[n]).length;
    return {
      moto: moto.version,
      rows: [
        {
          scenario: '1,000 failures in 5 minutes',
          events: STORM_EVENTS,
          messagesSent: run.sent.length,
          firstAlarms: first.length,
          digests: digests.length,
          firstMessageLatencyMs: Math.round(latency),
          eventsLost: STORM_EVENTS - counted,
          wallMs: run.wallMs,
          note: `${new Set(events.map((e) => e.groupName)).size} groups over two 5-minute windows; ${run.batches.length} SQS batches, ${run.flushes} flushes; `
            + 'latency = batch wait (fake clock) + processing to the publish against moto',
        },
        {
          scenario: 'mass deletion: 500 tamper signals',
          events: names.length,
          messagesSent: direct,
          firstAlarms: direct,
          digests: 0,
          firstMessageLatencyMs: 0,
          eventsLost: names.length - direct,
          wallMs: Date.now() - started,
          note: `storm control takes ${taken} of them (event-ruler); the central tamper rules send each one directly (EventBridge to SNS: no buffer added)`,
        },
      ],
    };
  } finally {
    await moto.stop();
  }
}

if (require.main === module) {
  storm().then((r) => console.log(JSON.stringify(r, null, 2))).catch((err) => {
    console.error(err);
    process.exitCode = 1;
  });
}

/**
 * Monthly AWS cost of cdk-backup-alarms in an organization, beside the public sample's design, for 10, 100
 * and 1,000 accounts in 1, 5 and 17 Regions. Prints Markdown tables and returns the data for JSON.
 *
 *   export JSII_SILENCE_WARNING_END_OF_LIFE_NODE_VERSION=20 TS_NODE_TRANSPILE_ONLY=1
 *   npx ts-node --project tsconfig.dev.json test/bench/cost-model.ts                      # synthesizes the example in-process
 *   npx ts-node --project tsconfig.dev.json test/bench/cost-model.ts --from example.out/organization   # after `npx projen example:synth`
 *   npx ts-node --project tsconfig.dev.json test/bench/cost-model.ts --failure-rate 0.05 --jobs 600 --json cost.json
 *
 * How it follows the code: the fixed items (alarms, alarm metrics, KMS keys, queues, rules and roles per member
 * account and Region; alarms and keys of the central and management stacks; the forwarder's memory,
 * architecture, batch size and batching window; archive and log retention; email subscriptions) are counted
 * from the synthesized templates of test/example/deployment.ts (`countsFromTemplates`), the member side from
 * the StackSet body embedded in the management stack. The forwarder's custom metrics are counted from the
 * `addMetric` calls of its runtime source, the event sizes from the documented example events in
 * test/fixtures/. Nothing in the model is a hand-written count of the library's resources.
 *
 * The heartbeat (issue 20) is priced from the same templates: its schedules per member account and Region, per
 * management Region and in the central and management stacks, their interval and the checker's period (from the
 * schedule expressions), and the HeartbeatMonitor's alarms and keys (the resources under its construct id).
 *
 * `monthlyCost(org, design)` is pure: the same organization and design give the same lines. Every price is a
 * constant of `PRICES` with its page, the date it was read, the Region (us-east-1) and how far the stored text
 * confirmed it; every other guess is a constant of `ASSUMPTIONS` with its reason.
 *
 * Free tiers are deliberately NOT applied (a choice: most of them are per payer account and are consumed by
 * other workloads in an organization); each price entry names its free tier so a reader can subtract it.
 *
 * Not ours, so not modelled: CloudTrail (the trail that delivers AWS Backup's API calls to EventBridge is a
 * prerequisite the organization already pays for; its first copy of management events is free), AWS Backup
 * itself, Security Hub CSPM's own security checks and the new Security Hub plans (priced per resource, whatever
 * this library does), AWS Config, and the IAM roles, rules and queues that have no monthly fee.
 */
import * as fs from 'fs';
import * as os from 'os';
import * as path from 'path';
import { App } from 'aws-cdk-lib';
import { PROTECTION_ENV } from '../../src/shared/protection';
import { buildExample } from '../example/deployment';
import { apiCall } from '../support/tamper-events';

// ---------------------------------------------------------------------------------------------------------
// Prices
// ---------------------------------------------------------------------------------------------------------

/**
 * How far the stored copy of a page confirmed a price:
 * - `aws-page`: the figure is in the stored text of AWS's own page;
 * - `third-party`: AWS's page is the citation, but its stored text did not show the figure (AWS renders its
 *   price tables client-side); the figure was confirmed by the third-party page named in `evidence`;
 * - `unconfirmed`: no stored page showed it; the best-known public figure is used.
 */
export type Confirmation = 'aws-page' | 'third-party' | 'unconfirmed';

/** One price: USD per `unit`, where it comes from, when it was read, for which Region. */
export interface Price {
  readonly usd: number;
  readonly unit: string;
  readonly region: 'us-east-1';
  /** The AWS pricing page. */
  readonly url: string;
  /** When the stored page was read (YYYY-MM-DD). */
  readonly readOn: string;
  readonly confirmed: Confirmation;
  /** What the stored text said, and where, or why it could not be confirmed. */
  readonly evidence: string;
  /** The free tier the model does not apply. */
  readonly freeTier: string;
}

const READ_ON = '2026-11-30';

/** Every price the model uses (us-east-1, USD, on-demand, no free tier). */
export const PRICES = {
  alarmMetric: {
    usd: 0.10,
    unit: 'standard-resolution alarm metric per month',
    region: 'us-east-1',
    url: 'https://aws.amazon.com/cloudwatch/pricing/',
    readOn: READ_ON,
    confirmed: 'third-party',
    evidence: 'AWS page text shows only the free tier; $0.10/alarm-month standard resolution: c3x.dev/resources/aws/aws_cloudwatch_metric_alarm '
      + 'and infracost PR output "Standard resolution 1 alarm metrics $0.10" (github.com/vreutova/infracost-idem-support/pull/2). '
      + 'An alarm on metric math is billed per metric it references, so merging alarms with math saves nothing.',
    freeTier: '10 alarm metrics per payer account (AWS page: "10 Alarm metrics (only applicable to Standard resolution alarms ...)")',
  },
  customMetric: {
    usd: 0.30,
    unit: 'custom metric per month (first 10,000)',
    region: 'us-east-1',
    url: 'https://aws.amazon.com/cloudwatch/pricing/',
    readOn: READ_ON,
    confirmed: 'third-party',
    evidence: 'c3x.dev/blog/aws-cloudwatch-metrics-cost: "$0.30/metric/month (first 10k)"; each name + dimension set is one metric.',
    freeTier: '10 custom metrics',
  },
  logsIngestedGb: {
    usd: 0.50,
    unit: 'GB of CloudWatch Logs ingested (standard class)',
    region: 'us-east-1',
    url: 'https://aws.amazon.com/cloudwatch/pricing/',
    readOn: READ_ON,
    confirmed: 'third-party',
    evidence: 'c3x.dev/blog/cloudwatch-logs-cost-optimization ("us-east-1, June 2026: Ingestion: $0.50 per GB"); hykell.com; infracost PR output.',
    freeTier: '5 GB data (ingestion, archive storage, Logs Insights scans) per month',
  },
  logsStoredGbMonth: {
    usd: 0.03,
    unit: 'GB-month of CloudWatch Logs storage',
    region: 'us-east-1',
    url: 'https://aws.amazon.com/cloudwatch/pricing/',
    readOn: READ_ON,
    confirmed: 'third-party',
    evidence: 'c3x.dev/blog/cloudwatch-logs-cost-optimization ("Storage: $0.03 per GB-month"); infracost PR output "Archival Storage $0.03 per GB".',
    freeTier: 'shared with the 5 GB above',
  },
  kmsKeyMonth: {
    usd: 1.00,
    unit: 'customer managed KMS key per month',
    region: 'us-east-1',
    url: 'https://aws.amazon.com/kms/pricing/',
    readOn: READ_ON,
    confirmed: 'aws-page',
    evidence: 'AWS page: "Each AWS KMS key that you create in KMS costs $1/month."',
    freeTier: 'none (AWS managed and AWS owned keys have no monthly fee)',
  },
  kmsRotatedKeyMonth: {
    usd: 1.00,
    unit: 'additional per month for each of the first two automatic rotations of a key',
    region: 'us-east-1',
    url: 'https://aws.amazon.com/kms/pricing/',
    readOn: READ_ON,
    confirmed: 'aws-page',
    evidence: 'AWS page: "If you enable automatic key rotation, each newly generated backing key costs an additional $1/month." The cap '
      + 'after the second rotation (April 2024 change) is from canglad.com/blog/2023/simple-math-of-aws-kms-key-rotation-costs (update note): '
      + 'third-party.',
    freeTier: 'none',
  },
  kmsRequest: {
    usd: 0.03 / 10_000,
    unit: 'symmetric KMS request',
    region: 'us-east-1',
    url: 'https://aws.amazon.com/kms/pricing/',
    readOn: READ_ON,
    confirmed: 'third-party',
    evidence: 'AWS page text names the free tier only; $0.03 per 10,000 requests: wring.co/blog/aws-kms-pricing-guide, factualminds.com KMS post.',
    freeTier: '20,000 requests per month across all Regions (AWS page)',
  },
  eventBridgeCrossAccountEvent: {
    usd: 1.00 / 1e6,
    unit: 'event sent to an event bus in another account or Region (per 64 KB chunk)',
    region: 'us-east-1',
    url: 'https://aws.amazon.com/eventbridge/pricing/',
    readOn: READ_ON,
    confirmed: 'third-party',
    evidence: 'AWS page text: AWS management events are ingested for free; "Each 64 KB chunk of a payload is billed as one event". The bus-to-bus '
      + 'price: cloudburn.io/blog/amazon-eventbridge-pricing "Event Bus (cross-account) Per million events delivered $1.00"; '
      + 'wring.co "Cross-Account Events $1.00/million (charged to sender)". Delivery to a SERVICE in another account is a different, '
      + 'cheaper line ($0.05/M in AWS\'s price list) that this library does not use.',
    freeTier: 'none for custom or cross-account events',
  },
  archiveProcessedGb: {
    usd: 0.10,
    unit: 'GB of events archived (processed)',
    region: 'us-east-1',
    url: 'https://aws.amazon.com/eventbridge/pricing/',
    readOn: READ_ON,
    confirmed: 'third-party',
    evidence: 'cloudburn.io/blog/amazon-eventbridge-pricing: "Archive/Replay ... $0.10/GB + $0.023/GB/mo + $1.00/M" (March 2026).',
    freeTier: 'none',
  },
  archiveStoredGbMonth: {
    usd: 0.023,
    unit: 'GB-month of archived events',
    region: 'us-east-1',
    url: 'https://aws.amazon.com/eventbridge/pricing/',
    readOn: READ_ON,
    confirmed: 'third-party',
    evidence: 'cloudburn.io/blog/amazon-eventbridge-pricing (as above).',
    freeTier: 'none',
  },
  snsPublish: {
    usd: 0.50 / 1e6,
    unit: 'SNS standard-topic publish (per 64 KB chunk)',
    region: 'us-east-1',
    url: 'https://aws.amazon.com/sns/pricing/',
    readOn: READ_ON,
    confirmed: 'third-party',
    evidence: 'factualminds.com/blog/amazon-sns-pricing-publishes-fanout-protocols: "Standard topic publish is $0.50/M".',
    freeTier: '1 million publishes per month',
  },
  snsEmail: {
    usd: 2.00 / 100_000,
    unit: 'SNS email notification delivered',
    region: 'us-east-1',
    url: 'https://aws.amazon.com/sns/pricing/',
    readOn: READ_ON,
    confirmed: 'third-party',
    evidence: 'factualminds.com (as above): "email is $2/100K".',
    freeTier: '1,000 email notifications per month (cited from aws.amazon.com/sns/pricing by a public issue, not read here)',
  },
  sqsRequest: {
    usd: 0.40 / 1e6,
    unit: 'SQS standard-queue request (per 64 KB chunk)',
    region: 'us-east-1',
    url: 'https://aws.amazon.com/sqs/pricing/',
    readOn: READ_ON,
    confirmed: 'third-party',
    evidence: 'unanswered.io/guide/aws-sqs-pricing-and-cost-optimization and cloudburn.io/blog/amazon-sqs-pricing: "$0.40 per million" (standard).',
    freeTier: '1 million requests per month',
  },
  lambdaRequest: {
    usd: 0.20 / 1e6,
    unit: 'Lambda invocation',
    region: 'us-east-1',
    url: 'https://aws.amazon.com/lambda/pricing/',
    readOn: READ_ON,
    confirmed: 'third-party',
    evidence: 'AWS page text renders its price tables client-side; $0.20/M: api-evangelist aws-lambda plans (transcribed from the page, 2026-09-20) '
      + 'and many calculators.',
    freeTier: '1 million requests and 400,000 GB-seconds per month',
  },
  lambdaGbSecondArm: {
    usd: 0.0000133334,
    unit: 'GB-second, arm64',
    region: 'us-east-1',
    url: 'https://aws.amazon.com/lambda/pricing/',
    readOn: READ_ON,
    confirmed: 'third-party',
    evidence: 'artillery prices.js ("https://aws.amazon.com/lambda/pricing/", base arm64 1333340e-11); cloudchipr.com/blog/aws-lambda-pricing.',
    freeTier: 'see lambdaRequest',
  },
  lambdaGbSecondX86: {
    usd: 0.0000166667,
    unit: 'GB-second, x86_64',
    region: 'us-east-1',
    url: 'https://aws.amazon.com/lambda/pricing/',
    readOn: READ_ON,
    confirmed: 'third-party',
    evidence: 'artillery prices.js (base x86_64 1666670e-11); cloudchipr.com/blog/aws-lambda-pricing.',
    freeTier: 'see lambdaRequest',
  },
  securityHubFindingIngestion: {
    usd: 0.00003,
    unit: 'finding ingestion event (a finding created or updated by BatchImportFindings)',
    region: 'us-east-1',
    url: 'https://aws.amazon.com/security-hub/cspm/pricing/',
    readOn: READ_ON,
    confirmed: 'third-party',
    evidence: 'aws-gcr-wwso-security.gitbook.io (AWS GCR security team\'s cost guide): "Ingested findings associated with Security Hub security checks '
      + 'are free; First 10,000 events/account/region/month is free ... Over 10,000 events/account/region/month costs $0.00003 per event". So '
      + 'ingestion of custom findings (BatchImportFindings) IS priced. That an update of an existing finding counts as one ingestion event is '
      + 'unconfirmed here (AWS\'s FAQ says so in memory); the model counts it.',
    freeTier: '10,000 ingestion events per account and Region per month',
  },
  eventBridgeCustomEvent: {
    usd: 1.00 / 1e6,
    unit: 'custom event put on an event bus (per 64 KB chunk)',
    region: 'us-east-1',
    url: 'https://aws.amazon.com/eventbridge/pricing/',
    readOn: READ_ON,
    confirmed: 'third-party',
    evidence: 'cloudburn.io/blog/amazon-eventbridge-pricing: "Event Bus (custom events) Per million events ingested $1.00"; wring.co: "Custom Events '
      + '$1.00/million". The heartbeat is a custom event EventBridge Scheduler puts on the default bus.',
    freeTier: 'none for custom events',
  },
  schedulerInvocation: {
    usd: 1.00 / 1e6,
    unit: 'EventBridge Scheduler invocation',
    region: 'us-east-1',
    url: 'https://aws.amazon.com/eventbridge/pricing/',
    readOn: READ_ON,
    confirmed: 'third-party',
    evidence: 'cloudburn.io/blog/amazon-eventbridge-pricing: "Scheduler Per million invocations $1.00, 14M invocations/month" free.',
    freeTier: '14 million invocations per month (not applied: with AWS Organizations free tiers are shared by the whole organization)',
  },
  dynamoDbWriteRequest: {
    usd: 0.625 / 1e6,
    unit: 'DynamoDB on-demand write request unit (standard table class, up to 1 KB)',
    region: 'us-east-1',
    url: 'https://aws.amazon.com/dynamodb/pricing/on-demand/',
    readOn: READ_ON,
    confirmed: 'third-party',
    evidence: 'airbyte.com/data-engineering-resources/dynamodb-pricing: "Write Request Units (WRU): $0.625 per million" (US East, after the November '
      + '2024 on-demand price cut; older pages still show $1.25).',
    freeTier: '25 GB of storage; on-demand requests have no free tier',
  },
  dynamoDbReadRequest: {
    usd: 0.125 / 1e6,
    unit: 'DynamoDB on-demand read request unit (one strongly consistent or two eventually consistent reads of up to 4 KB)',
    region: 'us-east-1',
    url: 'https://aws.amazon.com/dynamodb/pricing/on-demand/',
    readOn: READ_ON,
    confirmed: 'third-party',
    evidence: 'airbyte.com/data-engineering-resources/dynamodb-pricing: "Read Request Units (RRU): $0.125 per million read request units" (US East).',
    freeTier: 'none for on-demand requests',
  },
  dynamoDbStorageGbMonth: {
    usd: 0.25,
    unit: 'GB-month of DynamoDB table storage (standard table class; item bytes plus 100 bytes of overhead per item)',
    region: 'us-east-1',
    url: 'https://aws.amazon.com/dynamodb/pricing/on-demand/',
    readOn: READ_ON,
    confirmed: 'unconfirmed',
    evidence: 'The stored copies of the on-demand page showed the request-unit definitions, not the storage figure; $0.25 per GB-month '
      + '(standard table class, US East) is the best-known public figure. Issue 21: the protection ledger.',
    freeTier: 'first 25 GB per month (not applied)',
  },
  dynamoDbPitrGbMonth: {
    usd: 0.20,
    unit: 'GB-month of continuous backups (point-in-time recovery), on the table\'s size',
    region: 'us-east-1',
    url: 'https://aws.amazon.com/dynamodb/pricing/on-demand/',
    readOn: READ_ON,
    confirmed: 'unconfirmed',
    evidence: 'The stored DynamoDB backup billing guide (docs.amazonaws.cn, "Understanding Amazon DynamoDB billing for backups") explains how '
      + 'backups are billed per GB-month but shows no US figure; $0.20 per GB-month for PITR is the best-known public figure. The monitors\' '
      + 'ledgers have point-in-time recovery on (src/private/monitor-parts.ts).',
    freeTier: 'none',
  },
  interRegionTransferGb: {
    usd: 0.02,
    unit: 'GB transferred between two Regions',
    region: 'us-east-1',
    url: 'https://aws.amazon.com/ec2/pricing/on-demand/',
    readOn: READ_ON,
    confirmed: 'unconfirmed',
    evidence: 'The EventBridge page text says cross-Region events "may incur additional data transfer charges ... at standard AWS Data Transfer '
      + 'Charges"; the $0.02/GB inter-Region figure was not in any stored page (best-known public figure).',
    freeTier: 'none',
  },
} as const satisfies Record<string, Price>;

export type PriceKey = keyof typeof PRICES;

// ---------------------------------------------------------------------------------------------------------
// Assumptions
// ---------------------------------------------------------------------------------------------------------

/** Every figure that is neither a price nor counted from the code, with its reason. */
export const ASSUMPTIONS = {
  /** 10 protected resources per account and Region, backed up daily (the README's own example). */
  jobsPerAccountRegionPerMonth: 300,
  /** 1 % of jobs fail (FAILED, ABORTED, EXPIRED, PARTIAL...). */
  failureRate: 0.01,
  /** Tampering signals (deletions by people, vault policy changes) per account and Region per month. */
  tamperEventsPerAccountRegionPerMonth: 1,
  /** Organization backup policy changes per month (management account, us-east-1). */
  policyEventsPerMonth: 5,
  /** Share of failures whose protection later succeeds, so that the forwarder re-imports the finding ARCHIVED. */
  recoveryFraction: 1,
  /** Days from a failure to the success that archives it (for the open-findings column only). */
  daysToRecovery: 1,
  /** Security Hub deletes an ACTIVE finding after this many days without update (AWS-FACTS.md: 90 days). */
  activeFindingLifetimeDays: 90,
  /** Jobs run in a backup window: events reach the forwarder's queue during this many hours a day. */
  backupWindowHoursPerDay: 8,
  daysPerMonth: 30,
  /** Lambda's SQS event source long-polls with about five pollers even when idle (20 s receives). Unconfirmed. */
  idleSqsPollers: 5,
  sqsLongPollSeconds: 20,
  /**
   * Forwarder duration per invocation: start plus per-record work, plus one GetFindings call per 20 distinct
   * findings paced at about 1 call/s per container (README), plus one BatchImportFindings call per 100 findings.
   */
  forwarderBaseSeconds: 0.15,
  forwarderSecondsPerRecord: 0.002,
  forwarderSecondsPerLookup: 0.35,
  forwarderSecondsPerImportCall: 0.2,
  /** Log bytes per invocation (START/END/REPORT, the 'batch done' line, the EMF metrics blob) and per record. */
  forwarderLogBytesPerInvocation: 2048,
  forwarderLogBytesPerRecord: 200,
  /** KMS requests: the SNS topic's CMK, per publish (EventBridge's GenerateDataKey, SNS's Decrypt; data-key caching ignored). */
  kmsRequestsPerSnsPublish: 2,
  /** KMS requests of the encrypted log group, per invocation (CloudWatch Logs caches data keys: an upper bound). */
  kmsRequestsPerLogInvocation: 1,
  /** Rotations a key has been through (0 in its first year; AWS bills at most two). */
  kmsRotationsSoFar: 0,
  /** The public sample's Lambda: Python, 128 MB, x86, one BatchImportFindings call per event. */
  sampleLambdaMemoryMb: 128,
  sampleLambdaSeconds: 0.4,
  sampleLogBytesPerInvocation: 1024,
  /** Log storage is compared after a year (the sample's log group never expires; the library's keeps one year). */
  logMonthsKept: 12,
  /**
   * Heartbeat ledger item with the checker's attributes, in DynamoDB's item-size rules (test/bench/heartbeat-checker.ts
   * measured 253 bytes at 17,000 sources); a scan reads ceil(bytes / 4 KB) / 2 read units per 1 MB page (eventually consistent).
   */
  heartbeatLedgerItemBytes: 253,
  /** Heartbeats per writer invocation (batch of up to 100 within a 20-second window; steady state is lower at small scale). */
  heartbeatsPerWriterBatch: 25,
  /** Writer and checker duration and memory (256 MB arm64): 0.2 s per batch, 3 s per check at 17,000 sources (moto bench, scaled). */
  heartbeatWriterSeconds: 0.2,
  heartbeatCheckerSeconds: 3,
  heartbeatFunctionMemoryMb: 256,
  /** SQS requests per heartbeat: one SendMessage, and a share of the batched receive and delete. */
  heartbeatSqsRequestsPerBeat: 1.02,
  /** Log bytes per writer or checker invocation (START/END/REPORT and one JSON summary line). */
  heartbeatLogBytesPerInvocation: 1024,
  /**
   * Protected resources per account and Region (issue 21): each one is a protection in the ledger. 10, as in
   * `jobsPerAccountRegionPerMonth` (10 resources backed up daily, 300 jobs a month): the successes the ledger
   * records are that assumption's successful jobs.
   */
  protectedResourcesPerAccountRegion: 10,
  /**
   * Ledger writes per success (store.ts): one UpdateItem that ADDs its time to the set, and, once the set holds more
   * than HISTORY_KEEP + HISTORY_SLACK (12 + 4) times, one more that DELETEs the oldest down to 12: one trim per 4
   * successes in steady state, so 1.25.
   */
  protectionWritesPerSuccess: 1.25,
  /**
   * Protection item bytes in DynamoDB's item-size rules: 12 times, ARN, vault, plan, type (test/bench/protection-checker.ts
   * measured the average at 100,000 protections: 424); activity item bytes likewise (122).
   */
  protectionLedgerItemBytes: 424,
  protectionActivityItemBytes: 122,
  /**
   * Activity items in the ledger per account and Region: one per hour with job events, kept three days (their TTL);
   * the jobs run in the backup window (`backupWindowHoursPerDay`), so 3 x 8.
   */
  protectionActivityItemsPerAccountRegion: 24,
  /** Recorder duration per batch (256 MB arm64): start, then per record two UpdateItems (about 10 ms each, 8 at once) and its share of the counters. */
  protectionRecorderBaseSeconds: 0.1,
  protectionRecorderSecondsPerRecord: 0.004,
  /**
   * Checker duration per 1,000 protections (a check: a full scan, judgement and the rare claim): DynamoDB returns a
   * 1 MB Scan page in roughly 0.1 to 0.3 s and a page holds about 1,800 protections; 0.3 s per 1,000 is 30 s at
   * 100,000. moto's measured wall time (the benchmark: 460 s for a quiet run at 100,000) is no guide: its Scan re-sorts the
   * whole table and deep-copies every item for each page.
   */
  protectionCheckerSecondsPerThousand: 0.3,
} as const;

// ---------------------------------------------------------------------------------------------------------
// Counting the synthesized templates
// ---------------------------------------------------------------------------------------------------------

type Template = { Resources?: Record<string, { Type: string; Properties?: any }> };

/** What the model reads from the templates of the organization example. */
export interface TemplateCounts {
  /** Resource counts of the member template (the StackSet body): one set per member account and Region. */
  readonly member: Readonly<Record<string, number>>;
  /** Alarm metrics of the member template (an alarm on metric math counts each metric it references). */
  readonly memberAlarmMetrics: number;
  readonly memberKmsKeys: number;
  /** Alarms of the management account's own per-Region rule stacks (must equal the member template's). */
  readonly managementRegionAlarmMetrics: readonly number[];
  /** Resources of the central stack. */
  readonly central: Readonly<Record<string, number>>;
  readonly centralAlarmMetrics: number;
  readonly centralKmsKeys: number;
  readonly centralKmsKeysRotating: number;
  /** Alarm metrics of the management stack outside the StackSet (the policy-change rule's dead-letter alarm). */
  readonly managementAlarmMetrics: number;
  readonly emailSubscriptions: number;
  readonly archiveRetentionDays: number;
  readonly forwarderMemoryMb: number;
  readonly forwarderArchitecture: 'arm64' | 'x86_64';
  readonly forwarderBatchSize: number;
  readonly forwarderBatchingWindowSeconds: number;
  readonly forwarderLogRetentionDays: number;
  /** Whether the forwarder's log group is encrypted with a KMS key (`KmsKeyId`). */
  readonly forwarderLogsEncrypted: boolean;
  /** Whether the alarm topic is encrypted with a KMS key (`KmsMasterKeyId`). */
  readonly topicEncrypted: boolean;
  /** Custom metric names the forwarder publishes (EMF, one `service` dimension): counted from its source. */
  readonly forwarderCustomMetrics: number;
  /** Event sizes in bytes (compact JSON of the documented examples). */
  readonly eventBytes: { readonly failure: number; readonly success: number; readonly tamper: number; readonly policy: number };
  /** Dead-letter queues per member account and Region: with `heartbeat: false` each gets its alarm back. */
  readonly memberDeadLetterQueues: number;
  /** Dead-letter queues of the management account's own rule stacks, per Region, and outside them. */
  readonly managementRegionDeadLetterQueues: readonly number[];
  readonly managementDeadLetterQueues: number;
  /** Heartbeat schedules (EventBridge Scheduler, target the default bus) of the member template. */
  readonly memberHeartbeats: number;
  /** Heartbeat schedules of each of the management account's own rule stacks. */
  readonly managementRegionHeartbeats: readonly number[];
  /** Heartbeat schedules outside the stack set and the per-Region stacks: management and central stacks. */
  readonly fixedHeartbeats: number;
  /** The heartbeat interval (the longest rate of the heartbeat schedules; 0 without heartbeats). */
  readonly heartbeatIntervalSeconds: number;
  /** How often the HeartbeatMonitor's checker runs (0 without a monitor). */
  readonly heartbeatCheckSeconds: number;
  /** Alarm metrics and KMS keys of the HeartbeatMonitor (included in `centralAlarmMetrics` and `centralKmsKeys`). */
  readonly heartbeatMonitorAlarmMetrics: number;
  readonly heartbeatMonitorKmsKeys: number;
  /** How often the ProtectionMonitor's overdue check runs (0 without a monitor), and its daily reports per day (0 or 1). */
  readonly protectionCheckSeconds: number;
  readonly protectionDailyReports: number;
  /** Alarm metrics and KMS keys of the ProtectionMonitor (included in `centralAlarmMetrics` and `centralKmsKeys`). */
  readonly protectionMonitorAlarmMetrics: number;
  readonly protectionMonitorKmsKeys: number;
  /** The protection checker's and recorder's memory, and the recorder's batch size and batching window. */
  readonly protectionCheckerMemoryMb: number;
  readonly protectionRecorderMemoryMb: number;
  readonly protectionRecorderBatchSize: number;
  readonly protectionRecorderBatchingWindowSeconds: number;
}

function countTypes(template: Template): Record<string, number> {
  const counts: Record<string, number> = {};
  for (const r of Object.values(template.Resources ?? {})) counts[r.Type] = (counts[r.Type] ?? 0) + 1;
  return counts;
}

/** Metrics an alarm is billed for: one for a plain metric alarm, one per `MetricStat` of a metric-math alarm. */
export function alarmMetrics(template: Template): number {
  let n = 0;
  for (const r of Object.values(template.Resources ?? {})) {
    if (r.Type !== 'AWS::CloudWatch::Alarm') continue;
    const math: any[] | undefined = r.Properties?.Metrics;
    n += math === undefined ? 1 : math.filter((m) => m.MetricStat !== undefined).length;
  }
  return n;
}

/**
 * Email subscriptions of the topic the rules email every event to (the alarm topic), not of the topic that
 * only the pipeline's own alarms reach (`pipelineAlarmEmailAddresses`): only the first is billed per event.
 */
function alarmEmailSubscriptions(template: Template): number {
  const ruleTopics = new Set(ofType(template, 'AWS::Events::Rule')
    .flatMap((r) => (r.Targets ?? []).map((t: any) => t.Arn?.Ref))
    .filter((ref: unknown) => typeof ref === 'string' && template.Resources?.[ref as string]?.Type === 'AWS::SNS::Topic'));
  return ofType(template, 'AWS::SNS::Subscription').filter((s) => s.Protocol === 'email' && ruleTopics.has(s.TopicArn?.Ref)).length;
}

/** `rate(N minutes|hours|days)` in seconds. */
function rateSeconds(expression: string): number {
  const m = /^rate\((\d+) (minute|hour|day)s?\)$/.exec(expression);
  if (m === null) throw new Error(`cost model: schedule expression '${expression}' is not a rate`);
  return Number(m[1]) * { minute: 60, hour: 3600, day: 86_400 }[m[2] as 'minute' | 'hour' | 'day'];
}

/** The heartbeat schedules of a template: EventBridge Scheduler schedules whose target is the default bus. */
function heartbeatSchedules(template: Template): any[] {
  return ofType(template, 'AWS::Scheduler::Schedule').filter((s) => JSON.stringify(s.Target?.Arn ?? '').includes('event-bus/default'));
}

/** Resources of a template (logical id, properties) of one type. */
function entriesOf(template: Template, type: string): Array<[string, any]> {
  return Object.entries(template.Resources ?? {}).filter(([, r]) => r.Type === type).map(([id, r]) => [id, r.Properties ?? {}]);
}

function ofType(template: Template, type: string): any[] {
  return Object.values(template.Resources ?? {}).filter((r) => r.Type === type).map((r) => r.Properties ?? {});
}

function only<T>(items: T[], what: string): T {
  if (items.length !== 1) throw new Error(`cost model: expected exactly one ${what} in the central template, found ${items.length}`);
  return items[0];
}

const REPO = path.join(__dirname, '..', '..');

/** Compact JSON size of a fixture file. */
function fixtureBytes(relative: string): number {
  return Buffer.byteLength(JSON.stringify(JSON.parse(fs.readFileSync(path.join(REPO, relative), 'utf8'))));
}

/** The distinct metric names the forwarder's runtime publishes (`metrics.addMetric('Name', ...)`). */
export function forwarderMetricNames(): string[] {
  const source = fs.readFileSync(path.join(REPO, 'src', 'runtime', 'security-hub-forwarder.lambda.ts'), 'utf8');
  return [...new Set([...source.matchAll(/addMetric\(\s*'([^']+)'/g)].map((m) => m[1]))];
}

/**
 * Reads the counts from the example's templates, by stack name: `BackupAlarmsCentral`, `BackupAlarmsManagement`
 * (whose StackSet holds the member template) and `BackupAlarmsManagementRules-<Region>`.
 */
export function countsFromTemplates(templates: Readonly<Record<string, Template>>): TemplateCounts {
  const management = templates.BackupAlarmsManagement;
  const central = templates.BackupAlarmsCentral;
  if (management === undefined || central === undefined) throw new Error('cost model: BackupAlarmsManagement and BackupAlarmsCentral templates are required');
  const stackSets = ofType(management, 'AWS::CloudFormation::StackSet');
  if (stackSets.length !== 1) throw new Error(`cost model: expected one StackSet in the management stack, found ${stackSets.length}`);
  const body: Template = JSON.parse(stackSets[0].TemplateBody);
  const outsideStackSet: Template = {
    Resources: Object.fromEntries(Object.entries(management.Resources ?? {}).filter(([, r]) => r.Type !== 'AWS::CloudFormation::StackSet')),
  };
  const regionStacks = Object.keys(templates).filter((n) => n.startsWith('BackupAlarmsManagementRules-')).sort();
  // The Security Hub forwarder (the central stack also holds the heartbeat monitor's writer and checker).
  const [fnId, fn] = only(entriesOf(central, 'AWS::Lambda::Function').filter(([, f]) => f.Environment?.Variables?.ATTRIBUTION_MODE !== undefined),
    'Security Hub forwarder function');
  const esm = only(ofType(central, 'AWS::Lambda::EventSourceMapping').filter((m) => m.FunctionName?.Ref === fnId), 'forwarder event source mapping');
  const archive = only(ofType(central, 'AWS::Events::Archive'), 'archive');
  const logGroups = entriesOf(central, 'AWS::Logs::LogGroup').filter(([id]) => id === fn.LoggingConfig?.LogGroup?.Ref).map(([, g]) => g);
  const keys = ofType(central, 'AWS::KMS::Key');
  // Each monitor: every resource under the construct that owns a ledger table. The ProtectionMonitor's is the table
  // its checker names (PROTECTION_TABLE_NAME beside PROTECTION_ALARM_TOPIC_ARN); the HeartbeatMonitor's is the other.
  const ledgerSuffix = /Ledger[0-9A-F]{8}$/;
  const functions = entriesOf(central, 'AWS::Lambda::Function');
  const protectionChecker = functions.find(([, f]) => f.Environment?.Variables?.[PROTECTION_ENV.ALARM_TOPIC_ARN] !== undefined);
  const protectionLedger: string | undefined = protectionChecker?.[1].Environment.Variables[PROTECTION_ENV.TABLE_NAME]?.Ref;
  const protectionPrefix = protectionLedger?.replace(ledgerSuffix, '');
  const ledger = entriesOf(central, 'AWS::DynamoDB::Table').map(([id]) => id).find((id) => ledgerSuffix.test(id) && id !== protectionLedger);
  const monitorPrefix = ledger?.replace(ledgerSuffix, '');
  const under = (prefix: string | undefined) => (t: Template): Template => ({
    Resources: Object.fromEntries(Object.entries(t.Resources ?? {}).filter(([id]) => prefix !== undefined && id.startsWith(prefix))),
  });
  const ofMonitor = under(monitorPrefix);
  const ofProtections = under(protectionPrefix);
  const checkSchedules = ofType(ofMonitor(central), 'AWS::Scheduler::Schedule');
  const protectionSchedules = ofType(ofProtections(central), 'AWS::Scheduler::Schedule');
  const protectionRates = protectionSchedules.filter((x) => String(x.ScheduleExpression).startsWith('rate('));
  const protectionRecorder = functions.find(([id, f]) => id !== protectionChecker?.[0]
    && protectionPrefix !== undefined && id.startsWith(protectionPrefix)
    && f.Environment?.Variables?.[PROTECTION_ENV.TABLE_NAME] !== undefined);
  const recorderMapping = ofType(central, 'AWS::Lambda::EventSourceMapping').find((m) => protectionRecorder !== undefined
    && m.FunctionName?.Ref === protectionRecorder[0]);
  const allHeartbeats = [body, outsideStackSet, central, ...regionStacks.map((n) => templates[n])].flatMap(heartbeatSchedules);
  // The member, management and per-Region rule stacks hold no queue but the rules' dead-letter queues.
  const dlqs = (t: Template) => ofType(t, 'AWS::SQS::Queue').length;
  return {
    member: countTypes(body),
    memberAlarmMetrics: alarmMetrics(body),
    memberKmsKeys: ofType(body, 'AWS::KMS::Key').length,
    managementRegionAlarmMetrics: regionStacks.map((n) => alarmMetrics(templates[n])),
    central: countTypes(central),
    centralAlarmMetrics: alarmMetrics(central),
    centralKmsKeys: keys.length,
    centralKmsKeysRotating: keys.filter((k) => k.EnableKeyRotation === true).length,
    managementAlarmMetrics: alarmMetrics(outsideStackSet),
    emailSubscriptions: alarmEmailSubscriptions(central),
    archiveRetentionDays: archive.RetentionDays ?? 0,
    forwarderMemoryMb: fn.MemorySize ?? 128,
    forwarderArchitecture: (fn.Architectures ?? ['x86_64'])[0],
    forwarderBatchSize: esm.BatchSize ?? 10,
    forwarderBatchingWindowSeconds: esm.MaximumBatchingWindowInSeconds ?? 0,
    forwarderLogRetentionDays: Math.max(0, ...logGroups.map((g) => g.RetentionInDays ?? 0)),
    forwarderLogsEncrypted: logGroups.some((g) => g.KmsKeyId !== undefined),
    topicEncrypted: ofType(central, 'AWS::SNS::Topic').some((t) => t.KmsMasterKeyId !== undefined),
    forwarderCustomMetrics: forwarderMetricNames().length,
    eventBytes: {
      failure: fixtureBytes('test/fixtures/backup-events/backup-failed.json'),
      success: fixtureBytes('test/fixtures/backup-events/backup-completed.json'),
      tamper: Buffer.byteLength(JSON.stringify(apiCall('DeleteRecoveryPoint'))),
      policy: fixtureBytes('test/fixtures/organizations-events/create-policy-backup.json'),
    },
    memberDeadLetterQueues: dlqs(body),
    managementRegionDeadLetterQueues: regionStacks.map((n) => dlqs(templates[n])),
    managementDeadLetterQueues: dlqs(outsideStackSet),
    memberHeartbeats: heartbeatSchedules(body).length,
    managementRegionHeartbeats: regionStacks.map((n) => heartbeatSchedules(templates[n]).length),
    fixedHeartbeats: heartbeatSchedules(outsideStackSet).length + heartbeatSchedules(central).length,
    heartbeatIntervalSeconds: Math.max(0, ...allHeartbeats.map((s) => rateSeconds(s.ScheduleExpression))),
    heartbeatCheckSeconds: checkSchedules.length === 0 ? 0 : rateSeconds(only(checkSchedules, 'heartbeat check schedule').ScheduleExpression),
    heartbeatMonitorAlarmMetrics: alarmMetrics(ofMonitor(central)),
    heartbeatMonitorKmsKeys: ofType(ofMonitor(central), 'AWS::KMS::Key').length,
    protectionCheckSeconds: protectionRates.length === 0 ? 0 : rateSeconds(only(protectionRates, 'protection check schedule').ScheduleExpression),
    protectionDailyReports: protectionSchedules.filter((x) => String(x.ScheduleExpression).startsWith('cron(')).length,
    protectionMonitorAlarmMetrics: alarmMetrics(ofProtections(central)),
    protectionMonitorKmsKeys: ofType(ofProtections(central), 'AWS::KMS::Key').length,
    protectionCheckerMemoryMb: protectionChecker?.[1].MemorySize ?? 0,
    protectionRecorderMemoryMb: protectionRecorder?.[1].MemorySize ?? 0,
    protectionRecorderBatchSize: recorderMapping?.BatchSize ?? 0,
    protectionRecorderBatchingWindowSeconds: recorderMapping?.MaximumBatchingWindowInSeconds ?? 0,
  };
}

/** Reads the templates of an assembly folder (`example.out/organization` after `npx projen example:synth`). */
export function countsFromAssemblyDir(dir: string): TemplateCounts {
  const templates: Record<string, Template> = {};
  for (const f of fs.readdirSync(dir).filter((n) => n.endsWith('.template.json'))) {
    templates[f.replace(/\.template\.json$/, '')] = JSON.parse(fs.readFileSync(path.join(dir, f), 'utf8'));
  }
  return countsFromTemplates(templates);
}

/** Synthesizes test/example/deployment.ts in-process (into a temporary folder) and counts its templates. */
export function synthesizeExampleCounts(): TemplateCounts {
  const outdir = fs.mkdtempSync(path.join(os.tmpdir(), 'cdk-backup-alarms-cost-model-'));
  try {
    const app = new App({ outdir, analyticsReporting: false });
    buildExample(app);
    const assembly = app.synth();
    return countsFromTemplates(Object.fromEntries(assembly.stacks.map((s) => [s.stackName, s.template])));
  } finally {
    fs.rmSync(outdir, { recursive: true, force: true });
  }
}

// ---------------------------------------------------------------------------------------------------------
// The model
// ---------------------------------------------------------------------------------------------------------

/** The organization: sizes and volumes. Unset volumes come from `ASSUMPTIONS`. */
export interface Org {
  /**
   * Accounts that run AWS Backup, the management account included: the stack set gives the member rules to
   * the other `accounts - 1` (the central account is in a targeted OU), in every Region; the management
   * account gets them from its own per-Region stacks.
   */
  readonly accounts: number;
  readonly regions: number;
  readonly jobsPerAccountRegionPerMonth?: number;
  readonly failureRate?: number;
  /** Failed jobs per month, organization-wide; default jobs x failureRate. */
  readonly failuresPerMonth?: number;
  /** Successful jobs per month, organization-wide; default jobs - failures. */
  readonly successesPerMonth?: number;
  readonly tamperEventsPerAccountRegionPerMonth?: number;
  readonly policyEventsPerMonth?: number;
  /** Email addresses subscribed to the alarm topic; default: the template's email subscriptions. */
  readonly emailSubscribers?: number;
  readonly recoveryFraction?: number;
}

/** A design to price: the library (with a choice of alarms) or the public sample. */
export interface Design {
  readonly name: string;
  readonly kind: 'library' | 'public-sample';
  /**
   * Dead-letter alarm metrics per account and Region of the stack set's member template (counted from the
   * StackSet body; 0 when the member rules do not create their dead-letter alarm).
   */
  readonly alarmsPerAccountRegion: number;
  /** The same for the management account's own per-Region rule stacks (stack sets never reach it). */
  readonly managementAlarmsPerRegion: number;
  /** Alarm metrics per account, whatever its Regions (for dead-letter visibility without per-Region alarms). */
  readonly alarmsPerAccount: number;
  /** Customer managed keys per member account and Region. */
  readonly memberKmsKeys: number;
  readonly centralAlarmMetrics: number;
  readonly managementAlarmMetrics: number;
  readonly centralKmsKeys: number;
  readonly centralKmsKeysRotating: number;
  readonly customMetrics: number;
  /** 0: no archive. */
  readonly archiveRetentionDays: number;
  /** Whether successful jobs are forwarded (the library's StackSet sets `forwardCompletions: true` so findings close themselves). */
  readonly forwardsSuccesses: boolean;
  readonly forwardsTamper: boolean;
  readonly encryptedTopic: boolean;
  readonly lambda: {
    readonly memoryMb: number;
    readonly architecture: 'arm64' | 'x86_64';
    /** 1 for one invocation per event. */
    readonly batchSize: number;
    readonly batchingWindowSeconds: number;
    readonly encryptedLogs: boolean;
    readonly logMonthsKept: number;
    readonly sqsBuffered: boolean;
  };
  /** Findings are archived when the protection recovers (the library) or never (the sample). */
  readonly archivesFindings: boolean;
  readonly emailSubscribers: number;
  readonly eventBytes: TemplateCounts['eventBytes'];
  /** The heartbeat (issue 20), if the design sends one; its monitor's alarms and keys are not in the central counts above. */
  readonly heartbeat?: HeartbeatDesign;
  /** The protection watch (issue 21), if the design runs one; its monitor's alarms and keys are not in the central counts above. */
  readonly protection?: ProtectionDesign;
}

/** The ProtectionMonitor of a design, as synthesized. */
export interface ProtectionDesign {
  readonly checkSeconds: number;
  readonly dailyReports: number;
  readonly monitorAlarmMetrics: number;
  readonly monitorKmsKeys: number;
  readonly checkerMemoryMb: number;
  readonly recorderMemoryMb: number;
  readonly recorderBatchSize: number;
  readonly recorderBatchingWindowSeconds: number;
}

/** The protection watch as synthesized, or undefined where the central stack has no ProtectionMonitor. */
function protectionOf(counts: TemplateCounts): ProtectionDesign | undefined {
  if (counts.protectionCheckSeconds === 0) return undefined;
  return {
    checkSeconds: counts.protectionCheckSeconds,
    dailyReports: counts.protectionDailyReports,
    monitorAlarmMetrics: counts.protectionMonitorAlarmMetrics,
    monitorKmsKeys: counts.protectionMonitorKmsKeys,
    checkerMemoryMb: counts.protectionCheckerMemoryMb,
    recorderMemoryMb: counts.protectionRecorderMemoryMb,
    recorderBatchSize: counts.protectionRecorderBatchSize,
    recorderBatchingWindowSeconds: counts.protectionRecorderBatchingWindowSeconds,
  };
}

/** The heartbeat of a design: its sources and timing, and the central monitor's fixed items. */
export interface HeartbeatDesign {
  /** Heartbeat schedules per member account and Region (one per forwarding rule of the member template). */
  readonly perAccountRegion: number;
  /** Per Region of the management account's own rule stacks. */
  readonly managementPerRegion: number;
  /** In the management and central stacks outside those (the policy-change rule's, the central bus's own rule's). */
  readonly fixed: number;
  readonly intervalSeconds: number;
  readonly checkSeconds: number;
  readonly monitorAlarmMetrics: number;
  readonly monitorKmsKeys: number;
}

/** The heartbeat as synthesized, or undefined where the templates send none. */
function heartbeatOf(counts: TemplateCounts): HeartbeatDesign | undefined {
  if (counts.heartbeatIntervalSeconds === 0 || counts.heartbeatCheckSeconds === 0) return undefined;
  const management = counts.managementRegionHeartbeats;
  return {
    perAccountRegion: counts.memberHeartbeats,
    managementPerRegion: management.length === 0 ? 0 : Math.max(...management),
    fixed: counts.fixedHeartbeats,
    intervalSeconds: counts.heartbeatIntervalSeconds,
    checkSeconds: counts.heartbeatCheckSeconds,
    monitorAlarmMetrics: counts.heartbeatMonitorAlarmMetrics,
    monitorKmsKeys: counts.heartbeatMonitorKmsKeys,
  };
}

/** The library as synthesized, optionally with the member rules' dead-letter alarms replaced. */
export function libraryDesign(
  counts: TemplateCounts,
  options: { alarmsPerAccountRegion?: number; alarmsPerAccount?: number; name?: string } = {},
): Design {
  const management = counts.managementRegionAlarmMetrics;
  const heartbeat = heartbeatOf(counts);
  return {
    name: options.name ?? 'cdk-backup-alarms',
    kind: 'library',
    alarmsPerAccountRegion: options.alarmsPerAccountRegion ?? counts.memberAlarmMetrics,
    // The option removes the member rules' alarm everywhere, the management account's rule stacks included.
    managementAlarmsPerRegion: options.alarmsPerAccountRegion ?? (management.length === 0 ? 0 : Math.max(...management)),
    alarmsPerAccount: options.alarmsPerAccount ?? 0,
    memberKmsKeys: counts.memberKmsKeys,
    // The monitors' alarms and keys are priced as heartbeat and protection lines (their log-group keys do not rotate).
    centralAlarmMetrics: counts.centralAlarmMetrics - counts.heartbeatMonitorAlarmMetrics - counts.protectionMonitorAlarmMetrics,
    managementAlarmMetrics: counts.managementAlarmMetrics,
    centralKmsKeys: counts.centralKmsKeys - counts.heartbeatMonitorKmsKeys - counts.protectionMonitorKmsKeys,
    centralKmsKeysRotating: counts.centralKmsKeysRotating - counts.heartbeatMonitorKmsKeys - counts.protectionMonitorKmsKeys,
    customMetrics: counts.forwarderCustomMetrics,
    archiveRetentionDays: counts.archiveRetentionDays,
    forwardsSuccesses: true,
    forwardsTamper: true,
    encryptedTopic: counts.topicEncrypted,
    lambda: {
      memoryMb: counts.forwarderMemoryMb,
      architecture: counts.forwarderArchitecture,
      batchSize: counts.forwarderBatchSize,
      batchingWindowSeconds: counts.forwarderBatchingWindowSeconds,
      encryptedLogs: counts.forwarderLogsEncrypted,
      logMonthsKept: Math.min(ASSUMPTIONS.logMonthsKept, Math.ceil(counts.forwarderLogRetentionDays / ASSUMPTIONS.daysPerMonth)),
      sqsBuffered: true,
    },
    archivesFindings: true,
    emailSubscribers: counts.emailSubscriptions,
    eventBytes: counts.eventBytes,
    heartbeat,
    protection: protectionOf(counts),
  };
}

/**
 * The library as it was before issue 20, and as `heartbeat: false` (on the rules, in the StackSet's
 * `ruleProps` and `tamperRule`, and `heartbeatMonitor: false` on CentralAlarmBus) still makes it: no heartbeat
 * lines, no monitor, and every dead-letter queue of the member, management and per-Region rule stacks gets its
 * alarm back (one per queue: the rules that share a queue share its alarm). Those member alarms have no action.
 */
export function withoutHeartbeatDesign(counts: TemplateCounts): Design {
  const base = libraryDesign(counts, { name: 'heartbeat: false (before issue 20)' });
  const management = counts.managementRegionDeadLetterQueues;
  return {
    ...base,
    alarmsPerAccountRegion: counts.memberDeadLetterQueues,
    managementAlarmsPerRegion: management.length === 0 ? 0 : Math.max(...management),
    managementAlarmMetrics: counts.managementAlarmMetrics + counts.managementDeadLetterQueues,
    heartbeat: undefined,
  };
}

/**
 * The member rules without their dead-letter alarm (`createDeadLetterAlarm: false`, in `ruleProps` of
 * `BackupFailureRuleStackSet` and on `BackupFailureRule` for the management account's own stacks; the test
 * synthesizes it and finds no alarm), optionally with `alarmsPerAccount` alarms per account instead.
 * The dead-letter queues stay; seeing them fill then takes another watcher (one alarm per account in its home
 * Region sees that Region only; CloudWatch cross-account observability or an AWS Config rule sees them all).
 */
export function withoutMemberDeadLetterAlarms(counts: TemplateCounts, alarmsPerAccount = 0): Design {
  return libraryDesign(counts, {
    alarmsPerAccountRegion: 0,
    alarmsPerAccount,
    name: alarmsPerAccount === 0 ? 'no member DLQ alarm' : `no member DLQ alarm, ${alarmsPerAccount} per account`,
  });
}

/**
 * The public sample's design (README, "Where the public samples fail"): member rules forward FAILED jobs only
 * to a central bus; one SNS email per event with the raw JSON, no CMK, no dead-letter queue, no alarm, no
 * archive; a Lambda invocation and one BatchImportFindings call per event, a new finding id each time, never
 * archived. Volumes are taken as the library's failures (an upper bound: the sample matches FAILED only).
 */
export function publicSampleDesign(counts: TemplateCounts): Design {
  return {
    name: 'public sample',
    kind: 'public-sample',
    alarmsPerAccountRegion: 0,
    managementAlarmsPerRegion: 0,
    alarmsPerAccount: 0,
    memberKmsKeys: 0,
    centralAlarmMetrics: 0,
    managementAlarmMetrics: 0,
    centralKmsKeys: 0,
    centralKmsKeysRotating: 0,
    customMetrics: 0,
    archiveRetentionDays: 0,
    forwardsSuccesses: false,
    forwardsTamper: false,
    encryptedTopic: false,
    lambda: {
      memoryMb: ASSUMPTIONS.sampleLambdaMemoryMb,
      architecture: 'x86_64',
      batchSize: 1,
      batchingWindowSeconds: 0,
      encryptedLogs: false,
      logMonthsKept: ASSUMPTIONS.logMonthsKept,
      sqsBuffered: false,
    },
    archivesFindings: false,
    emailSubscribers: counts.emailSubscriptions,
    eventBytes: counts.eventBytes,
  };
}

/** Where a line's cost comes from. */
export type Category = 'fixed per account and Region' | 'fixed per account' | 'fixed central' | 'per event';

/** Lines of the heartbeat (issue 20) have ids with this prefix: their sum is the heartbeat's share. */
export const HEARTBEAT_LINE = 'heartbeat-';

/** Lines of the protection watch (issue 21) have ids with this prefix: their sum is its share. */
export const PROTECTION_LINE = 'protection-';

/** One priced line. */
export interface CostLine {
  readonly id: string;
  readonly item: string;
  readonly category: Category;
  readonly quantity: number;
  readonly price: PriceKey;
  readonly usd: number;
}

/** The monthly volumes the lines are priced from. */
export interface Volumes {
  readonly failures: number;
  readonly successes: number;
  readonly tamper: number;
  readonly policy: number;
  /** Events sent to the central bus from other accounts or Regions. */
  readonly forwarded: number;
  readonly forwardedBytes: number;
  readonly emailed: number;
  readonly forwarderRecords: number;
  readonly lambdaInvocations: number;
  readonly lambdaGbSeconds: number;
  readonly findingIngestions: number;
  /** ACTIVE job-failure findings at steady state (what a person sees in Security Hub; tampering left out). */
  readonly openFindings: number;
}

/** The cost of one design for one organization. */
export interface MonthlyCost {
  readonly design: string;
  readonly accounts: number;
  readonly regions: number;
  readonly lines: readonly CostLine[];
  readonly volumes: Volumes;
  readonly fixedPerAccountRegion: number;
  readonly fixedPerAccount: number;
  readonly fixedCentral: number;
  readonly perEvent: number;
  readonly total: number;
  /** The fixed cost of one account and Region (the `fixed per account and Region` lines over accounts x Regions). */
  readonly fixedPerOneAccountRegion: number;
  /** Heartbeats sent a month, and the sum of the heartbeat's lines (0 without one). */
  readonly heartbeats: number;
  readonly heartbeat: number;
  /** Protections in the ledger, and the sum of the protection watch's lines (0 without one). */
  readonly protectedResources: number;
  readonly protection: number;
}

const GB = 1e9;

/**
 * The monthly cost of `design` for `org` (USD, us-east-1 prices, no free tier). Pure: depends on its
 * arguments and the `PRICES` and `ASSUMPTIONS` constants only.
 */
export function monthlyCost(org: Org, design: Design): MonthlyCost {
  const A = ASSUMPTIONS;
  const accountRegions = org.accounts * org.regions;
  const jobs = accountRegions * (org.jobsPerAccountRegionPerMonth ?? A.jobsPerAccountRegionPerMonth);
  const failures = org.failuresPerMonth ?? jobs * (org.failureRate ?? A.failureRate);
  const successes = org.successesPerMonth ?? Math.max(0, jobs - failures);
  const tamper = design.forwardsTamper ? accountRegions * (org.tamperEventsPerAccountRegionPerMonth ?? A.tamperEventsPerAccountRegionPerMonth) : 0;
  const policy = design.kind === 'library' ? org.policyEventsPerMonth ?? A.policyEventsPerMonth : 0;
  const forwardedSuccesses = design.forwardsSuccesses ? successes : 0;
  const subscribers = org.emailSubscribers ?? design.emailSubscribers;
  const recovery = org.recoveryFraction ?? A.recoveryFraction;
  const b = design.eventBytes;

  const lines: CostLine[] = [];
  // A line with nothing to count is left out: a design without an item has no line for it.
  const add = (id: string, item: string, category: Category, quantity: number, price: PriceKey) => {
    if (quantity > 0) lines.push({ id, item, category, quantity, price, usd: quantity * PRICES[price].usd });
  };

  // Fixed, per member account and Region, and per account.
  const stackSetAccountRegions = Math.max(0, org.accounts - 1) * org.regions;
  add('member-alarms', `member rules' dead-letter alarms (${design.alarmsPerAccountRegion} per account-Region, management `
    + `${design.managementAlarmsPerRegion} per Region)`, 'fixed per account and Region',
  stackSetAccountRegions * design.alarmsPerAccountRegion + org.regions * design.managementAlarmsPerRegion, 'alarmMetric');
  add('account-alarms', 'dead-letter alarms per account', 'fixed per account', org.accounts * design.alarmsPerAccount, 'alarmMetric');
  add('member-kms-keys', 'member KMS keys', 'fixed per account and Region', stackSetAccountRegions * design.memberKmsKeys, 'kmsKeyMonth');

  // Fixed, central (and management).
  const centralAlarms = design.centralAlarmMetrics + design.managementAlarmMetrics;
  add('central-alarms', 'central and management alarms', 'fixed central', centralAlarms, 'alarmMetric');
  add('central-kms-keys', 'central KMS keys (topic, log group)', 'fixed central', design.centralKmsKeys, 'kmsKeyMonth');
  const rotated = design.centralKmsKeysRotating * Math.min(2, A.kmsRotationsSoFar);
  add('central-kms-rotations', 'rotated backing keys', 'fixed central', rotated, 'kmsRotatedKeyMonth');
  add('custom-metrics', 'forwarder custom metrics (EMF)', 'fixed central', design.customMetrics, 'customMetric');
  if (design.lambda.sqsBuffered) {
    const idlePolls = A.idleSqsPollers * (A.daysPerMonth * 86_400 / A.sqsLongPollSeconds);
    add('sqs-idle-polling', 'forwarder queue: Lambda pollers\' empty receives', 'fixed central', idlePolls, 'sqsRequest');
  }

  // The heartbeat (issue 20): per source (each forwarding rule in each account and Region), and the central monitor.
  const hb = design.heartbeat;
  let beats = 0;
  if (hb !== undefined) {
    const sources = stackSetAccountRegions * hb.perAccountRegion + org.regions * hb.managementPerRegion + hb.fixed;
    const seconds = A.daysPerMonth * 86_400;
    beats = sources * seconds / hb.intervalSeconds;
    const every = `every ${hb.intervalSeconds / 3600} h, ${int(sources)} sources`;
    const perSource: Category = 'fixed per account and Region';
    add('heartbeat-scheduler', `heartbeat: Scheduler invocations (${every})`, perSource, beats, 'schedulerInvocation');
    add('heartbeat-put-events', 'heartbeat: custom events on the default bus', perSource, beats, 'eventBridgeCustomEvent');
    add('heartbeat-forwarding', 'heartbeat: forwarded to the central bus (cross-account / cross-Region)', perSource, beats, 'eventBridgeCrossAccountEvent');
    add('heartbeat-sqs', 'heartbeat: ledger buffer (send, batched receive and delete)', perSource, beats * A.heartbeatSqsRequestsPerBeat, 'sqsRequest');
    add('heartbeat-ledger-writes', 'heartbeat: ledger writes (one conditional UpdateItem each)', perSource, beats, 'dynamoDbWriteRequest');
    const writes = beats / A.heartbeatsPerWriterBatch;
    const gb = A.heartbeatFunctionMemoryMb / 1024;
    add('heartbeat-writer-requests', 'heartbeat: writer invocations', perSource, writes, 'lambdaRequest');
    add('heartbeat-writer-duration', `heartbeat: writer duration (${A.heartbeatFunctionMemoryMb} MB arm64)`, perSource,
      writes * A.heartbeatWriterSeconds * gb, 'lambdaGbSecondArm');
    const checks = seconds / hb.checkSeconds;
    const scanBytes = sources * A.heartbeatLedgerItemBytes;
    const readUnits = Math.ceil(scanBytes / 4096) / 2 + Math.ceil(scanBytes / (1024 * 1024));
    // The scan reads every source's item: it grows with the sources like the lines above.
    add('heartbeat-checker-scans', `heartbeat: checker scans (every ${hb.checkSeconds / 60} min, ${readUnits} read units each)`, perSource,
      checks * readUnits, 'dynamoDbReadRequest');
    add('heartbeat-checker-requests', 'heartbeat: checker invocations', 'fixed central', checks, 'lambdaRequest');
    add('heartbeat-checker-duration', `heartbeat: checker duration (${A.heartbeatFunctionMemoryMb} MB arm64)`, 'fixed central',
      checks * A.heartbeatCheckerSeconds * gb, 'lambdaGbSecondArm');
    // Mostly the writer's, which grow with the sources.
    add('heartbeat-logs', 'heartbeat: writer and checker logs ingested', perSource, (writes + checks) * A.heartbeatLogBytesPerInvocation / GB, 'logsIngestedGb');
    add('heartbeat-alarms', 'heartbeat: monitor alarms (checker stopped or failing, writer errors, dead-letter queue)', 'fixed central',
      hb.monitorAlarmMetrics, 'alarmMetric');
    add('heartbeat-kms-keys', 'heartbeat: monitor log-group keys', 'fixed central', hb.monitorKmsKeys, 'kmsKeyMonth');
  }

  // The protection watch (issue 21): a ledger item per protected resource, written on each job event; an hourly scan of
  // the whole ledger; a daily report. The members' forwarding of completions is not here: it predates issue 21
  // (forwardCompletions, on in the StackSet) and is priced below as `eventbridge-forwarding`. The rule on the central bus
  // costs nothing (EventBridge bills no fee for delivering a bus's events to an SQS target in the same account and Region).
  const pr = design.protection;
  const protectedResources = pr === undefined ? 0 : accountRegions * A.protectedResourcesPerAccountRegion;
  if (pr !== undefined) {
    const perResource: Category = 'fixed per account and Region';
    const seconds = A.daysPerMonth * 86_400;
    const events = failures + successes + tamper + policy;
    const windows = seconds / 86_400 * A.backupWindowHoursPerDay * 3600 / Math.max(1, pr.recorderBatchingWindowSeconds);
    const perBatch = Math.min(pr.recorderBatchSize, Math.max(1, events / windows));
    const batches = events / perBatch;
    // One counter UpdateItem per hour, account and Region in a batch: the expected distinct account-Regions of `perBatch` events.
    const groupsPerBatch = accountRegions * (1 - (1 - 1 / accountRegions) ** perBatch);
    const writeUnits = Math.ceil(A.protectionLedgerItemBytes / 1024);
    add('protection-recorder-writes', `protection: ledger writes (${A.protectionWritesPerSuccess} UpdateItems per success, 1 per failure)`, 'per event',
      (successes * A.protectionWritesPerSuccess + failures) * writeUnits, 'dynamoDbWriteRequest');
    add('protection-activity-writes', `protection: activity counters (one UpdateItem per account-Region in a batch of ${perBatch.toPrecision(3)})`,
      'per event', batches * groupsPerBatch, 'dynamoDbWriteRequest');
    add('protection-sqs', 'protection: ledger buffer (send, batched receive and delete)', 'per event', events + 2 * batches, 'sqsRequest');
    add('protection-recorder-requests', 'protection: recorder invocations', 'per event', batches, 'lambdaRequest');
    add('protection-recorder-duration', `protection: recorder duration (${pr.recorderMemoryMb} MB arm64)`, 'per event',
      batches * (A.protectionRecorderBaseSeconds + perBatch * A.protectionRecorderSecondsPerRecord) * pr.recorderMemoryMb / 1024, 'lambdaGbSecondArm');
    const activityItems = accountRegions * A.protectionActivityItemsPerAccountRegion;
    const ledgerBytes = protectedResources * A.protectionLedgerItemBytes + activityItems * A.protectionActivityItemBytes;
    // Every check (and the daily report's) scans the whole ledger: its read units, as in the heartbeat's scan.
    const checks = seconds / pr.checkSeconds + A.daysPerMonth * pr.dailyReports;
    const readUnits = Math.ceil(ledgerBytes / 4096) / 2 + Math.ceil(ledgerBytes / (1024 * 1024));
    add('protection-checker-scans', `protection: ledger scans (every ${pr.checkSeconds / 60} min and the daily report, ${readUnits} read units each, `
      + `${int(protectedResources)} protections)`, perResource, checks * readUnits, 'dynamoDbReadRequest');
    add('protection-checker-requests', 'protection: checker invocations', 'fixed central', checks, 'lambdaRequest');
    add('protection-checker-duration', `protection: checker duration (${pr.checkerMemoryMb} MB arm64, ${A.protectionCheckerSecondsPerThousand} s per 1,000 protections)`,
      perResource, checks * A.protectionCheckerSecondsPerThousand * protectedResources / 1000 * pr.checkerMemoryMb / 1024, 'lambdaGbSecondArm');
    add('protection-scheduler', 'protection: Scheduler invocations of the check and the daily report', 'fixed central', checks, 'schedulerInvocation');
    // Storage is billed on the item bytes plus 100 bytes per item; point-in-time recovery on the table's size.
    const storedGb = (ledgerBytes + 100 * (protectedResources + activityItems)) / GB;
    add('protection-storage', 'protection: ledger storage', perResource, storedGb, 'dynamoDbStorageGbMonth');
    add('protection-pitr', 'protection: ledger point-in-time recovery', perResource, storedGb, 'dynamoDbPitrGbMonth');
    const reports = A.daysPerMonth * pr.dailyReports;
    add('protection-report-publish', 'protection: daily report publishes', 'fixed central', reports, 'snsPublish');
    add('protection-report-email', 'protection: daily report emails', 'fixed central', reports * subscribers, 'snsEmail');
    const idlePolls = A.idleSqsPollers * (seconds / A.sqsLongPollSeconds);
    add('protection-sqs-idle-polling', 'protection: buffer queue, Lambda pollers\' empty receives', 'fixed central', idlePolls, 'sqsRequest');
    add('protection-logs', 'protection: recorder and checker logs ingested', 'per event', (batches + checks) * A.heartbeatLogBytesPerInvocation / GB, 'logsIngestedGb');
    add('protection-alarms', 'protection: monitor alarms (checker stopped or failing, recorder errors, dead-letter queue)', 'fixed central',
      pr.monitorAlarmMetrics, 'alarmMetric');
    add('protection-kms-keys', 'protection: monitor log-group keys', 'fixed central', pr.monitorKmsKeys, 'kmsKeyMonth');
    if (hb !== undefined) {
      // The daily report reads the heartbeat ledger once a day: a heartbeat line (it goes with the heartbeat).
      const hbSources = stackSetAccountRegions * hb.perAccountRegion + org.regions * hb.managementPerRegion + hb.fixed;
      const hbBytes = hbSources * A.heartbeatLedgerItemBytes;
      add('heartbeat-daily-report-scan', 'heartbeat: the daily report\'s scan of the heartbeat ledger', 'fixed per account and Region',
        reports * (Math.ceil(hbBytes / 4096) / 2 + Math.ceil(hbBytes / (1024 * 1024))), 'dynamoDbReadRequest');
    }
  }

  // Per event: forwarding to the central bus.
  const forwarded = failures + forwardedSuccesses + tamper + policy;
  const forwardedBytes = failures * b.failure + forwardedSuccesses * b.success + tamper * b.tamper + policy * b.policy;
  add('eventbridge-forwarding', 'events sent to the central bus (cross-account / cross-Region)', 'per event', forwarded, 'eventBridgeCrossAccountEvent');
  add('inter-region-transfer', 'inter-Region transfer of forwarded events', 'per event', forwardedBytes / GB * (org.regions - 1) / org.regions,
    'interRegionTransferGb');
  if (design.archiveRetentionDays > 0) {
    add('archive-processed', 'archive: events archived', 'per event', forwardedBytes / GB, 'archiveProcessedGb');
    add('archive-stored', `archive: stored at steady state (${design.archiveRetentionDays} days)`, 'per event',
      forwardedBytes / GB * design.archiveRetentionDays / A.daysPerMonth, 'archiveStoredGbMonth');
  }

  // Per event: email.
  const emailed = failures + tamper + policy;
  add('sns-publish', 'SNS publishes (one per alarm event)', 'per event', emailed, 'snsPublish');
  add('sns-email', `SNS emails (${subscribers} subscriber${subscribers === 1 ? '' : 's'})`, 'per event', emailed * subscribers, 'snsEmail');
  if (design.encryptedTopic) add('sns-kms', 'KMS requests of the encrypted topic', 'per event', emailed * A.kmsRequestsPerSnsPublish, 'kmsRequest');

  // Per event: Security Hub forwarder.
  const records = failures + forwardedSuccesses + tamper;
  const L = design.lambda;
  let invocations: number;
  let seconds: number;
  if (L.batchSize <= 1) {
    invocations = records;
    seconds = A.sampleLambdaSeconds;
  } else {
    // Events arrive in the backup window; a batch holds what one batching window collects, at most batchSize.
    const windows = A.daysPerMonth * A.backupWindowHoursPerDay * 3600 / Math.max(1, L.batchingWindowSeconds);
    const perBatch = Math.min(L.batchSize, Math.max(1, records / windows));
    invocations = Math.ceil(records / perBatch);
    seconds = A.forwarderBaseSeconds + perBatch * A.forwarderSecondsPerRecord
      + Math.ceil(perBatch / 20) * A.forwarderSecondsPerLookup + Math.ceil(perBatch / 100) * A.forwarderSecondsPerImportCall;
  }
  const gbSeconds = invocations * seconds * L.memoryMb / 1024;
  if (L.sqsBuffered) {
    // SendMessage by EventBridge per record; ReceiveMessage and DeleteMessageBatch per batch.
    add('sqs-buffer', 'forwarder queue: send, receive, delete', 'per event', records + 2 * invocations, 'sqsRequest');
  }
  add('lambda-requests', 'forwarder invocations', 'per event', invocations, 'lambdaRequest');
  add('lambda-duration', `forwarder duration (${L.memoryMb} MB ${L.architecture})`, 'per event', gbSeconds,
    L.architecture === 'arm64' ? 'lambdaGbSecondArm' : 'lambdaGbSecondX86');
  const logBytes = L.batchSize <= 1
    ? invocations * A.sampleLogBytesPerInvocation
    : invocations * A.forwarderLogBytesPerInvocation + records * A.forwarderLogBytesPerRecord;
  add('logs-ingested', 'forwarder logs ingested', 'per event', logBytes / GB, 'logsIngestedGb');
  add('logs-stored', `forwarder logs stored (${L.logMonthsKept} months kept)`, 'per event', logBytes / GB * L.logMonthsKept, 'logsStoredGbMonth');
  if (L.encryptedLogs) add('logs-kms', 'KMS requests of the encrypted log group', 'per event', invocations * A.kmsRequestsPerLogInvocation, 'kmsRequest');

  // Per event: Security Hub.
  const closures = design.archivesFindings ? failures * recovery : 0;
  const ingestions = failures + closures + tamper;
  add('securityhub-ingestion', design.archivesFindings ? 'finding ingestions (failures, closures, tampering)' : 'finding ingestions (one new finding per event)',
    'per event', ingestions, 'securityHubFindingIngestion');
  const lifetimeMonths = A.activeFindingLifetimeDays / A.daysPerMonth;
  const openFindings = design.archivesFindings
    ? failures * (1 - recovery) * lifetimeMonths + failures * recovery * A.daysToRecovery / A.daysPerMonth
    : failures * lifetimeMonths;

  const sum = (c: Category) => lines.filter((l) => l.category === c).reduce((s, l) => s + l.usd, 0);
  const fixedPerAccountRegion = sum('fixed per account and Region');
  const fixedPerAccount = sum('fixed per account');
  const fixedCentral = sum('fixed central');
  const perEvent = sum('per event');
  return {
    design: design.name,
    accounts: org.accounts,
    regions: org.regions,
    lines,
    volumes: {
      failures,
      successes,
      tamper,
      policy,
      forwarded,
      forwardedBytes,
      emailed,
      forwarderRecords: records,
      lambdaInvocations: invocations,
      lambdaGbSeconds: gbSeconds,
      findingIngestions: ingestions,
      openFindings,
    },
    fixedPerAccountRegion,
    fixedPerAccount,
    fixedCentral,
    perEvent,
    total: fixedPerAccountRegion + fixedPerAccount + fixedCentral + perEvent,
    fixedPerOneAccountRegion: fixedPerAccountRegion / accountRegions,
    heartbeats: beats,
    heartbeat: lines.filter((l) => l.id.startsWith(HEARTBEAT_LINE)).reduce((s, l) => s + l.usd, 0),
    protectedResources,
    protection: lines.filter((l) => l.id.startsWith(PROTECTION_LINE)).reduce((s, l) => s + l.usd, 0),
  };
}

// ---------------------------------------------------------------------------------------------------------
// Tables
// ---------------------------------------------------------------------------------------------------------

export const ACCOUNT_SIZES = [10, 100, 1_000] as const;
export const REGION_SIZES = [1, 5, 17] as const;

/** One row of the summary: the designs for one size. */
export interface CostRow {
  readonly accounts: number;
  readonly regions: number;
  /** The default deployment: heartbeats on, no member dead-letter alarm (issue 20). */
  readonly library: MonthlyCost;
  /** `heartbeat: false`: no heartbeat, the member dead-letter alarms back (the library before issue 20). */
  readonly withoutHeartbeat: MonthlyCost;
  /** The default, plus one dead-letter alarm per account. */
  readonly onePerAccount: MonthlyCost;
  readonly sample: MonthlyCost;
}

/** Options of `costTable` and `main`. */
export interface CostOptions {
  /** Counts to use; default: synthesize the example in-process. */
  readonly counts?: TemplateCounts;
  readonly jobsPerAccountRegionPerMonth?: number;
  readonly failureRate?: number;
  readonly accounts?: readonly number[];
  readonly regions?: readonly number[];
}

/** Every size, priced for the three designs. */
export function costTable(options: CostOptions = {}): { counts: TemplateCounts; rows: CostRow[] } {
  const counts = options.counts ?? synthesizeExampleCounts();
  const designs = {
    library: libraryDesign(counts),
    withoutHeartbeat: withoutHeartbeatDesign(counts),
    onePerAccount: withoutMemberDeadLetterAlarms(counts, 1),
    sample: publicSampleDesign(counts),
  };
  const rows: CostRow[] = [];
  for (const accounts of options.accounts ?? ACCOUNT_SIZES) {
    for (const regions of options.regions ?? REGION_SIZES) {
      const org: Org = { accounts, regions, jobsPerAccountRegionPerMonth: options.jobsPerAccountRegionPerMonth, failureRate: options.failureRate };
      rows.push({
        accounts,
        regions,
        library: monthlyCost(org, designs.library),
        withoutHeartbeat: monthlyCost(org, designs.withoutHeartbeat),
        onePerAccount: monthlyCost(org, designs.onePerAccount),
        sample: monthlyCost(org, designs.sample),
      });
    }
  }
  return { counts, rows };
}

const usd = (n: number) => (n >= 100 ? `$${Math.round(n).toLocaleString('en-US')}` : n >= 1 ? `$${n.toFixed(2)}` : `$${n.toFixed(3)}`);
const int = (n: number) => Math.round(n).toLocaleString('en-US');

/** A price as people write it: per million or per 10,000 units when it is small. */
export function priceText(p: Price): string {
  const fmt = (n: number) => {
    const text = String(Number(n.toPrecision(6)));
    return `$${/\.\d$/.test(text) ? `${text}0` : text}`;
  };
  if (p.usd < 1e-5) return `${fmt(p.usd * 1e6)} per 1M (unit: ${p.unit})`;
  if (p.usd < 1e-3) return `${fmt(p.usd * 1e4)} per 10K (unit: ${p.unit})`;
  return `${fmt(p.usd)} (unit: ${p.unit})`;
}

/** The summary as Markdown. */
export function summaryMarkdown(rows: readonly CostRow[]): string {
  const head = ['accounts', 'Regions', 'failures/mo', 'events forwarded/mo', 'library (default)', 'fixed per account and Region', 'of which heartbeat',
    'heartbeat: false (before issue 20)', 'of which member DLQ alarms', 'default + 1 alarm/account', 'public sample',
    'open failure findings: library / sample'];
  const out = [`| ${head.join(' | ')} |`, `| ${head.map(() => '---').join(' | ')} |`];
  const share = (part: number, whole: number) => `${usd(part)} (${Math.round(100 * part / whole)} %)`;
  for (const r of rows) {
    const alarms = r.withoutHeartbeat.lines.find((l) => l.id === 'member-alarms')?.usd ?? 0;
    out.push(`| ${[int(r.accounts), r.regions, int(r.library.volumes.failures), int(r.library.volumes.forwarded), usd(r.library.total),
      `$${r.library.fixedPerOneAccountRegion.toFixed(5)}`, share(r.library.heartbeat, r.library.total), usd(r.withoutHeartbeat.total),
      share(alarms, r.withoutHeartbeat.total), usd(r.onePerAccount.total), usd(r.sample.total),
      `${int(r.library.volumes.openFindings)} / ${int(r.sample.volumes.openFindings)}`].join(' | ')} |`);
  }
  return out.join('\n');
}

/** Every line of the three designs for one size, as Markdown. */
export function breakdownMarkdown(row: CostRow): string {
  const designs = [row.library, row.withoutHeartbeat, row.sample];
  const ids = [...new Set(designs.flatMap((d) => d.lines.map((l) => l.id)))];
  const head = ['line', 'category', 'price (us-east-1)', ...designs.map((d) => d.design)];
  const out = [`| ${head.join(' | ')} |`, `| ${head.map(() => '---').join(' | ')} |`];
  for (const id of ids) {
    const first = designs.flatMap((d) => d.lines).find((l) => l.id === id)!;
    const p = PRICES[first.price];
    const cells = designs.map((d) => {
      const l = d.lines.find((x) => x.id === id);
      return l === undefined ? '-' : `${usd(l.usd)} (${Number.isInteger(l.quantity) || l.quantity >= 10 ? int(l.quantity) : l.quantity.toPrecision(3)})`;
    });
    out.push(`| ${[first.item, first.category, `${priceText(p)}${p.confirmed === 'unconfirmed' ? ' (unconfirmed)' : ''}`, ...cells].join(' | ')} |`);
  }
  out.push(`| **total** | | | ${designs.map((d) => `**${usd(d.total)}**`).join(' | ')} |`);
  return out.join('\n');
}

/** The counts the model read, as Markdown. */
export function countsMarkdown(c: TemplateCounts): string {
  const member = Object.entries(c.member).map(([t, n]) => `${n} ${t.replace(/^AWS::/, '')}`).join(', ');
  return [
    `- member template (StackSet body), per account and Region: ${member}; ${c.memberAlarmMetrics} alarm metrics, ${c.memberKmsKeys} KMS keys`,
    `- management account's own rule stacks, alarm metrics per Region: ${c.managementRegionAlarmMetrics.join(', ')}`,
    `- management stack outside the StackSet: ${c.managementAlarmMetrics} alarm metrics`,
    `- central stack: ${c.centralAlarmMetrics} alarm metrics, ${c.centralKmsKeys} KMS keys (${c.centralKmsKeysRotating} rotating), `
      + `${c.emailSubscriptions} email subscription(s), archive ${c.archiveRetentionDays} days, `
      + `forwarder ${c.forwarderMemoryMb} MB ${c.forwarderArchitecture}, batch ${c.forwarderBatchSize}, window ${c.forwarderBatchingWindowSeconds} s, `
      + `logs ${c.forwarderLogRetentionDays} days${c.forwarderLogsEncrypted ? ' (KMS)' : ''}, ${c.forwarderCustomMetrics} custom metrics, `
      + `topic ${c.topicEncrypted ? 'KMS-encrypted' : 'unencrypted'}`,
    `- event sizes (bytes): failure ${c.eventBytes.failure}, success ${c.eventBytes.success}, tamper ${c.eventBytes.tamper}, policy ${c.eventBytes.policy}`,
    `- heartbeat: ${c.memberHeartbeats} schedules per member account and Region, ${c.managementRegionHeartbeats.join(', ')} per management Region `
      + `stack, ${c.fixedHeartbeats} in the management and central stacks; every ${c.heartbeatIntervalSeconds / 3600} h; checker every `
      + `${c.heartbeatCheckSeconds / 60} min; monitor ${c.heartbeatMonitorAlarmMetrics} alarm metrics, ${c.heartbeatMonitorKmsKeys} KMS keys`,
  ].join('\n');
}

/** The prices as Markdown. */
export function pricesMarkdown(): string {
  const out = ['| price | USD | confirmed | page (read ' + READ_ON + ', us-east-1) |', '| --- | --- | --- | --- |'];
  for (const [key, p] of Object.entries(PRICES) as Array<[PriceKey, Price]>) out.push(`| ${key} | ${priceText(p)} | ${p.confirmed} | ${p.url} |`);
  return out.join('\n');
}

function argValue(argv: readonly string[], name: string): string | undefined {
  const i = argv.indexOf(name);
  return i >= 0 ? argv[i + 1] : undefined;
}

/** Prints the tables; returns the data (with `--json FILE`, also writes it). */
export function main(argv: readonly string[] = process.argv.slice(2)) {
  const from = argValue(argv, '--from');
  const failureRate = argValue(argv, '--failure-rate');
  const jobs = argValue(argv, '--jobs');
  const { counts, rows } = costTable({
    counts: from === undefined ? undefined : countsFromAssemblyDir(from),
    failureRate: failureRate === undefined ? undefined : Number(failureRate),
    jobsPerAccountRegionPerMonth: jobs === undefined ? undefined : Number(jobs),
  });
  const rate = failureRate === undefined ? ASSUMPTIONS.failureRate : Number(failureRate);
  const perAR = jobs === undefined ? ASSUMPTIONS.jobsPerAccountRegionPerMonth : Number(jobs);
  console.log(`## Monthly cost (USD, us-east-1 prices read ${READ_ON}, no free tier)\n`);
  console.log(`${perAR} jobs per account and Region per month, ${rate * 100} % failing; every success is forwarded (forwardCompletions) `
    + `so that findings close; ${ASSUMPTIONS.tamperEventsPerAccountRegionPerMonth} tamper event per account and Region.\n`);
  console.log('Counted from the synthesized example' + (from === undefined ? ' (in-process)' : ` (${from})`) + ':\n');
  console.log(countsMarkdown(counts) + '\n');
  console.log(summaryMarkdown(rows) + '\n');
  for (const pick of [[100, 5], [1_000, 17]] as const) {
    const row = rows.find((r) => r.accounts === pick[0] && r.regions === pick[1]);
    if (row === undefined) continue;
    console.log(`### Every line, ${int(pick[0])} accounts x ${pick[1]} Regions (USD, quantity)\n`);
    console.log(breakdownMarkdown(row) + '\n');
  }
  console.log('### Prices\n');
  console.log(pricesMarkdown() + '\n');
  console.log('Free tiers are not applied (most are per payer account and used by other workloads). Not modelled: CloudTrail '
    + '(a prerequisite the organization already pays for; its first copy of management events is free), AWS Backup, Security Hub CSPM '
    + 'security checks and the per-resource Security Hub plans, IAM roles, rules and idle queues (no monthly fee). The public sample is '
    + 'priced at the library\'s failure count, an upper bound (it matches FAILED only); its findings are never archived, so every failure '
    + 'stays ACTIVE until Security Hub deletes it after 90 days.');
  const data = { readOn: READ_ON, region: 'us-east-1', freeTierApplied: false, assumptions: ASSUMPTIONS, prices: PRICES, counts, rows };
  const json = argValue(argv, '--json');
  if (json !== undefined) fs.writeFileSync(json, JSON.stringify(data, undefined, 2));
  return data;
}

if (require.main === module) main();

/**
 * Protection checker: on its schedule, reads the protection ledger and reports protections that became overdue,
 * recovered or were retired (once each); on the daily schedule (input `{"task":"daily-report"}`) it then sends
 * the daily report.
 *
 * Thin on purpose: the decisions are in protection/overdue.ts, the runs in protection/run.ts. A run that fails
 * throws, so that the function's Errors metric (and its alarm) sees it; a run that stops at the deadline is
 * finished by the next.
 */
// The runtime dependencies below are bundled into the Lambda asset by esbuild; the library never loads them.
// eslint-disable-next-line import/no-extraneous-dependencies
import { Logger } from '@aws-lambda-powertools/logger';
// eslint-disable-next-line import/no-extraneous-dependencies
import { Metrics, MetricUnit } from '@aws-lambda-powertools/metrics';
import type { Context } from 'aws-lambda';
import { dynamoDb, securityHub, sns } from './heartbeat/aws-client';
import { LedgerStore } from './heartbeat/store';
import { loadProtectionConfig } from './protection/config';
import { runDailyReport, runOverdueCheck } from './protection/run';
import { ProtectionStore } from './protection/store';
import { PROTECTION_TELEMETRY, ProtectionTask } from '../shared/protection';

/** Stop starting calls this long before the Lambda times out. */
const SAFETY_MARGIN_MS = 20_000;

const config = loadProtectionConfig(process.env);
const dynamo = dynamoDb();
const store = new ProtectionStore(dynamo, config.tableName);
const heartbeats = config.heartbeatTableName === undefined ? undefined : new LedgerStore(dynamo, config.heartbeatTableName);
const publish = sns();
const importFindings = config.securityHubFindings ? securityHub() : undefined;
const logger = new Logger({ serviceName: PROTECTION_TELEMETRY.CHECKER_SERVICE_NAME });
const metrics = new Metrics({ namespace: PROTECTION_TELEMETRY.METRICS_NAMESPACE, serviceName: PROTECTION_TELEMETRY.CHECKER_SERVICE_NAME });

/** The scheduled handler. */
export const handler = async (event: { task?: string } | undefined, context: Context): Promise<void> => {
  logger.addContext(context);
  const remaining = typeof context.getRemainingTimeInMillis === 'function' ? context.getRemainingTimeInMillis() : undefined;
  const [, partition, , region, accountId] = (context.invokedFunctionArn ?? '').split(':');
  const now = Date.now();
  try {
    const check = await runOverdueCheck({
      store,
      publish,
      topic: config.alarmTopicArn,
      chatTopic: config.chatTopicArn,
      settings: config.settings,
      now,
      partition: partition || 'aws',
      deadline: remaining === undefined ? undefined : now + remaining - SAFETY_MARGIN_MS,
      importFindings,
      home: importFindings === undefined ? undefined : { partition, accountId, region: process.env.AWS_REGION || region },
      onPublishError: (destination, err) => logger.error('report not published; it is sent again on the next run', { destination, error: err as Error }),
    });
    const { items: _items, activity: _activity, ...counts } = check;
    metrics.addMetric('ProtectionsChecked', MetricUnit.Count, check.protections);
    metrics.addMetric('OverdueProtections', MetricUnit.Count, check.overdue);
    metrics.addMetric('ReportsSent', MetricUnit.Count, check.reportsSent);
    metrics.addMetric('ReportPublishFailures', MetricUnit.Count, check.publishFailures);
    metrics.addMetric('LedgerReadUnits', MetricUnit.Count, check.readUnits);
    logger.info('check done', { ...counts });
    if (event?.task === ProtectionTask.DAILY_REPORT) {
      const daily = await runDailyReport({
        check, publish, topic: config.alarmTopicArn, chatTopic: config.chatTopicArn, now, timeZone: config.timeZone, partition: partition || 'aws', tableName: config.tableName, heartbeats,
      });
      logger.info('daily report sent', { ...daily });
    }
    if (check.publishFailures > 0 || check.truncated) {
      // Counted as an error of the function, so that its alarm tells the pipeline topic.
      throw new Error(`check incomplete: ${check.publishFailures} report(s) not published, scan truncated: ${check.truncated}`);
    }
  } finally {
    metrics.publishStoredMetrics();
  }
};

/**
 * Heartbeat checker: on a schedule, reads the ledger, reports sources silent for longer than their allowance
 * (once), their return (once) and declared sources never seen, to the alarm topic and the pipeline topic.
 *
 * Thin on purpose: the decisions are in heartbeat/checker.ts, the run in heartbeat/run.ts. A run that fails throws, so that the
 * function's Errors metric (and its alarm) sees it; a run that stops at the deadline is finished by the next.
 */
// The runtime dependencies below are bundled into the Lambda asset by esbuild; the library never loads them.
// eslint-disable-next-line import/no-extraneous-dependencies
import { Logger } from '@aws-lambda-powertools/logger';
// eslint-disable-next-line import/no-extraneous-dependencies
import { Metrics, MetricUnit } from '@aws-lambda-powertools/metrics';
import type { Context } from 'aws-lambda';
import { dynamoDb, securityHub, sns } from './heartbeat/aws-client';
import { loadCheckerConfig } from './heartbeat/config';
import { runCheck } from './heartbeat/run';
import { LedgerStore } from './heartbeat/store';
import { HEARTBEAT_TELEMETRY } from '../shared/heartbeat';

/** Stop starting calls this long before the Lambda times out. */
const SAFETY_MARGIN_MS = 10_000;

const config = loadCheckerConfig(process.env);
const store = new LedgerStore(dynamoDb(), config.tableName);
const publish = sns();
const importFindings = config.securityHubFindings ? securityHub() : undefined;
const logger = new Logger({ serviceName: HEARTBEAT_TELEMETRY.CHECKER_SERVICE_NAME });
const metrics = new Metrics({ namespace: HEARTBEAT_TELEMETRY.METRICS_NAMESPACE, serviceName: HEARTBEAT_TELEMETRY.CHECKER_SERVICE_NAME });

/** The scheduled handler. */
export const handler = async (_event: unknown, context: Context): Promise<void> => {
  logger.addContext(context);
  const remaining = typeof context.getRemainingTimeInMillis === 'function' ? context.getRemainingTimeInMillis() : undefined;
  try {
    const summary = await runCheck({
      store,
      publish,
      topics: { alarm: config.alarmTopicArn, pipeline: config.pipelineTopicArn, chat: config.chatTopicArn },
      partition: (context.invokedFunctionArn ?? '').split(':')[1] || 'aws',
      settings: config.settings,
      expected: config.expected,
      now: Date.now(),
      deadline: remaining === undefined ? undefined : Date.now() + remaining - SAFETY_MARGIN_MS,
      importFindings,
      home: importFindings === undefined ? undefined : homeOf(context.invokedFunctionArn),
      onPublishError: (destination, err) => logger.error('report not published; it is sent again on the next run', { destination, error: err as Error }),
    });
    metrics.addMetric('SourcesChecked', MetricUnit.Count, summary.sources);
    metrics.addMetric('SilentSources', MetricUnit.Count, summary.silent);
    metrics.addMetric('ReportsSent', MetricUnit.Count, summary.reportsSent);
    metrics.addMetric('ReportPublishFailures', MetricUnit.Count, summary.publishFailures);
    metrics.addMetric('LedgerReadUnits', MetricUnit.Count, summary.readUnits);
    logger.info('check done', { ...summary });
    if (summary.publishFailures > 0 || summary.truncated) {
      // Counted as an error of the function, so that its alarm tells the pipeline topic.
      throw new Error(`check incomplete: ${summary.publishFailures} report(s) not published, scan truncated: ${summary.truncated}`);
    }
  } finally {
    metrics.publishStoredMetrics();
  }
};

/** The checker's own partition, account and Region, from its ARN: where its findings are imported. */
function homeOf(invokedFunctionArn: string): { partition: string; accountId: string; region: string } {
  const [, partition, , region, accountId] = (invokedFunctionArn ?? '').split(':');
  if (!partition || !region || !/^\d{12}$/.test(accountId ?? '')) throw new Error(`cannot read the checker's account from '${invokedFunctionArn}'`);
  return { partition, accountId: accountId!, region: process.env.AWS_REGION || region };
}

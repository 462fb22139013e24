/**
 * The contract between `SecurityHubFindingForwarder` (which sets the function's environment and its event
 * source) and the runtime (which reads it): variable names, defaults and the rate budget, written once.
 * Dependency-free: the Lambda bundle imports it.
 */

/** The function's environment variables. */
export const ENV = {
  /** `FindingAttribution`: FORWARDER_ACCOUNT or SOURCE_ACCOUNT. */
  ATTRIBUTION_MODE: 'ATTRIBUTION_MODE',
  /** The role assumed in each source account (SOURCE_ACCOUNT mode). */
  MEMBER_ROLE_NAME: 'MEMBER_ROLE_NAME',
  /** JSON object `{"RESTORE:FAILED":"CRITICAL", ...}`. */
  SEVERITY_OVERRIDES: 'SEVERITY_OVERRIDES',
  /** BatchImportFindings calls per second per container and target. */
  REQUESTS_PER_SECOND: 'REQUESTS_PER_SECOND',
  /** Calls allowed at once after a quiet period. */
  BURST: 'BURST',
} as const;

/** Powertools' service name and the CloudWatch metrics namespace of the function. */
export const TELEMETRY = {
  SERVICE_NAME: 'security-hub-forwarder',
  METRICS_NAMESPACE: 'CdkBackupAlarms',
} as const;

/**
 * The rate budget: Security Hub allows BatchImportFindings 10 requests/s (burst 30) and GetFindings
 * 3 requests/s (burst 6) per account and Region. The event source runs at most `MAX_CONCURRENCY`
 * containers; each paces itself so that all of them together stay under both quotas.
 */
export const RATE_BUDGET = {
  /** Containers the SQS event source may run at once. */
  MAX_CONCURRENCY: 2,
  /** BatchImportFindings calls per second per container: 2 x 5 = Security Hub's 10. */
  IMPORTS_PER_SECOND: 5,
  /** BatchImportFindings calls at once per container after a quiet period (2 x 10, under the burst of 30). */
  IMPORT_BURST: 10,
  /** GetFindings calls per second per container: 2 x 1, under Security Hub's 3. */
  LOOKUPS_PER_SECOND: 1,
  /** GetFindings calls at once per container (2 x 3 = the burst of 6). */
  LOOKUP_BURST: 3,
} as const;

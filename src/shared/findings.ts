/**
 * The public vocabulary of Security Hub findings, shared by the construct (props) and the forwarder runtime
 * (the findings it builds). Dependency-free: the Lambda bundle imports it.
 */

/**
 * In whose account a finding is imported.
 */
export enum FindingAttribution {
  /**
   * Import every finding as the forwarder's own account and Region. The source account and Region are in
   * the title, the resources and the product fields. Nothing is needed in member accounts.
   */
  FORWARDER_ACCOUNT = 'FORWARDER_ACCOUNT',
  /**
   * Assume `memberRoleName` in the source account and import there, in the Region of the event, so that the
   * finding belongs to the account whose backup failed. Deploy `SecurityHubFindingImporterRole` in every
   * member account. Security Hub accepts a finding only from the account named in it.
   */
  SOURCE_ACCOUNT = 'SOURCE_ACCOUNT',
}

/**
 * Security Hub severity labels.
 */
export enum FindingSeverity {
  /** No issue, for information. */
  INFORMATIONAL = 'INFORMATIONAL',
  /** Does not require action on its own. */
  LOW = 'LOW',
  /** Should be addressed, not urgently. */
  MEDIUM = 'MEDIUM',
  /** Should be addressed as a priority. */
  HIGH = 'HIGH',
  /** Should be remediated immediately. */
  CRITICAL = 'CRITICAL',
}

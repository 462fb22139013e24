/**
 * The AWS Management Console's host in each partition, shared by the email templates (construct side) and
 * the findings (forwarder runtime). Dependency-free: the forwarder bundle imports it.
 *
 * Each partition has its own console: `console.aws.amazon.com` (with a Regional prefix), `console.amazonaws.cn`
 * (China) and `console.amazonaws-us-gov.com` (AWS GovCloud (US)). A link to the commercial host from a China or
 * GovCloud account does not work: the account cannot sign in there.
 */
export const CONSOLE_HOSTS: { readonly [partition: string]: (region: string) => string } = {
  'aws': (region) => `${region}.console.aws.amazon.com`,
  'aws-cn': () => 'console.amazonaws.cn',
  'aws-us-gov': () => 'console.amazonaws-us-gov.com',
};

/** The console host for a Region of a partition; the commercial host for a partition this library does not know. */
export function consoleHostOf(partition: string, region: string): string {
  return (CONSOLE_HOSTS[partition] ?? CONSOLE_HOSTS.aws)(region);
}

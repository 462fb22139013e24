/**
 * Assertions shared by the construct tests: cdk-nag's AwsSolutions pack, and the forwarding contract of a
 * `CentralBusForwardingRule` (the central bus as target, through the role, with retries and a dead-letter queue).
 */
import { App, Aspects, Stack } from 'aws-cdk-lib';
import { Match, Template } from 'aws-cdk-lib/assertions';
import { AwsSolutionsChecks, HIPAASecurityChecks, NagPack, NIST80053R5Checks, PCIDSS321Checks, ServerlessChecks } from 'cdk-nag';

/** The five cdk-nag packs every construct must pass (verbose: the findings name the rule and its text). */
export const NAG_PACKS: ReadonlyArray<() => NagPack> = [
  () => new AwsSolutionsChecks({ verbose: true }),
  () => new NIST80053R5Checks({ verbose: true }),
  () => new HIPAASecurityChecks({ verbose: true }),
  () => new PCIDSS321Checks({ verbose: true }),
  () => new ServerlessChecks({ verbose: true }),
];

/**
 * Runs `packs` on `stacks` and returns every error and warning of those stacks after synthesis, as
 * `<path>: <first line>` (cdk-nag reports an unsuppressed finding as one of them).
 */
export function nagFindings(app: App, stacks: readonly Stack[], packs: ReadonlyArray<() => NagPack>): string[] {
  for (const stack of stacks) for (const pack of packs) Aspects.of(stack).add(pack());
  // Forced: a test that already read a template has synthesized the app once, and a cached assembly would
  // never have run the packs (the check would pass without checking anything).
  const assembly = app.synth({ force: true });
  const out: string[] = [];
  for (const stack of stacks) {
    for (const [path, entries] of Object.entries(assembly.getStackArtifact(stack.artifactId).manifest.metadata ?? {})) {
      for (const entry of entries) {
        if (entry.type === 'aws:cdk:error' || entry.type === 'aws:cdk:warning') out.push(`${path}: ${String(entry.data).split('\n')[0]}`);
      }
    }
  }
  return out;
}

/** cdk-nag's AwsSolutions pack reports no unsuppressed error or warning on `stack`. */
export function expectAwsSolutionsClean(app: App, stack: Stack): void {
  const findings = nagFindings(app, [stack], [() => new AwsSolutionsChecks({ verbose: true })]);
  expect(findings.filter((f) => /: AwsSolutions-/.test(f))).toEqual([]);
}

/** The rule's only target is `busArn`, through the role named `roleName` that may only put events there. */
export function expectForwardingContract(template: Template, busArn: string, roleName: string): void {
  template.hasResourceProperties('AWS::Events::Rule', {
    Targets: [Match.objectLike({
      Arn: busArn,
      RoleArn: Match.anyValue(),
      RetryPolicy: { MaximumRetryAttempts: 185, MaximumEventAgeInSeconds: 86400 },
      DeadLetterConfig: Match.anyValue(),
    })],
  });
  template.hasResourceProperties('AWS::IAM::Role', { RoleName: roleName });
  template.hasResourceProperties('AWS::IAM::ManagedPolicy', { PolicyDocument: { Statement: [{ Action: 'events:PutEvents', Effect: 'Allow', Resource: busArn }] } });
  // Issue 20: where the heartbeat runs and no alarmTopic is given, the dead-letter alarm would tell nobody, so
  // there is none; the dead-letter queue stays, and the heartbeat's schedule reports the path instead.
  template.resourceCountIs('AWS::CloudWatch::Alarm', 0);
  template.resourceCountIs('AWS::SQS::Queue', 1);
  template.resourceCountIs('AWS::Scheduler::Schedule', 1);
}

/** The alternative a forwarding rule's pattern gains for its own heartbeat (issue 20), written out literally. */
export function heartbeatBranch(ruleId: string): object {
  return { 'source': ['cdk-backup-alarms.heartbeat'], 'detail-type': ['Backup Alarms Heartbeat'], 'detail': { rule: [ruleId] } };
}

/**
 * A forwarding rule's deployed pattern, where its heartbeat runs, is exactly `{ $or: [...its own alternatives,
 * its heartbeat] }`. Checks that shape and the heartbeat alternative, and returns the rule's own pattern in the
 * form it has without a heartbeat (`heartbeat: false`): one alternative as is; several alternatives of one
 * `source` with that source and the union of their detail-types hoisted; otherwise `{ $or }`.
 */
export function withoutHeartbeat(deployed: any, ruleId: string): any {
  expect(Object.keys(deployed)).toEqual(['$or']);
  const branches: any[] = deployed.$or;
  expect(branches[branches.length - 1]).toEqual(heartbeatBranch(ruleId));
  const own = branches.slice(0, -1);
  if (own.length === 1) return own[0];
  const sources = [...new Set(own.map((b) => JSON.stringify(b.source)))];
  const types = own.map((b) => b['detail-type']);
  if (sources.length > 1 || types.some((d) => !Array.isArray(d) || d.some((v: unknown) => typeof v !== 'string'))) return { $or: own };
  return { 'source': own[0].source, 'detail-type': [...new Set(types.flat())], '$or': own.map(({ source: _source, ...rest }) => rest) };
}

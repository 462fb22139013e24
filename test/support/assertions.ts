/**
 * Assertions shared by the construct tests: cdk-nag's AwsSolutions pack, and the forwarding contract of a
 * `CentralBusForwardingRule` (the central bus as target, through the role, with retries and a dead-letter queue).
 */
import { App, Aspects, Stack } from 'aws-cdk-lib';
import { Annotations, Match, Template } from 'aws-cdk-lib/assertions';
import { AwsSolutionsChecks } from 'cdk-nag';

/** cdk-nag's AwsSolutions pack reports no unsuppressed error or warning on `stack`. */
export function expectAwsSolutionsClean(app: App, stack: Stack): void {
  Aspects.of(stack).add(new AwsSolutionsChecks({ verbose: true }));
  app.synth();
  expect(Annotations.fromStack(stack).findError('*', Match.stringLikeRegexp('AwsSolutions-.*'))).toEqual([]);
  expect(Annotations.fromStack(stack).findWarning('*', Match.stringLikeRegexp('AwsSolutions-.*'))).toEqual([]);
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
  template.resourceCountIs('AWS::CloudWatch::Alarm', 1);
}

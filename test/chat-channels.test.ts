/**
 * Notification-only Amazon Q Developer channels (issue 22): subscribed to the chat topic, a role that trusts
 * chatbot.amazonaws.com and holds no permission, an explicit guardrail (without one Amazon Q applies
 * AdministratorAccess), user roles required; refused ids name the prop and the value.
 *
 * Governing pages:
 * - "CreateSlackChannelConfiguration" (Amazon Q Developer in chat applications API reference: GuardrailPolicyArns, "If
 *   not specified, the default is AdministratorAccess"; UserAuthorizationRequired; LoggingLevel),
 *   https://docs.aws.amazon.com/chatbot/latest/APIReference/API_CreateSlackChannelConfiguration.html
 * - "Understanding permissions" (the channel's role intersected with its guardrails),
 *   https://docs.aws.amazon.com/chatbot/latest/adminguide/understanding-permissions.html
 * - AWS::Chatbot::MicrosoftTeamsChannelConfiguration (CloudFormation: TeamId, TeamsTenantId, TeamsChannelId patterns),
 *   https://docs.aws.amazon.com/AWSCloudFormation/latest/UserGuide/aws-resource-chatbot-microsoftteamschannelconfiguration.html
 */
import { App, Stack } from 'aws-cdk-lib';
import { Match, Template } from 'aws-cdk-lib/assertions';
import { CentralAlarmBus, CentralAlarmBusProps } from '../src';
import { NAG_PACKS, nagFindings } from './support/assertions';

const ENV = { account: '111111111111', region: 'eu-west-1' };
const SLACK = { workspaceId: 'T0123456789', channelId: 'C0123456789' };
const TEAMS = { teamId: '5f5e8d6a-1b2c-4d3e-8f90-1234567890ab', tenantId: '0a1b2c3d-4e5f-6789-abcd-ef0123456789', channelId: '19:abcdef@thread.tacv2' };

function synth(props: Partial<CentralAlarmBusProps>) {
  const app = new App();
  const stack = new Stack(app, 'Central', { env: ENV });
  const bus = new CentralAlarmBus(stack, 'Alarms', {
    organizationId: 'o-a1b2c3d4e5', emailAddresses: ['ops@example.com'], pipelineAlarmEmailAddresses: ['oncall@example.com'], ...props,
  });
  return { app, stack, bus, template: Template.fromStack(stack) };
}

test('a Slack and a Teams channel: subscribed to the chat topic, a role with no permission, ReadOnlyAccess as guardrail, user roles required', () => {
  const { template, bus, stack } = synth({ slackChannels: [SLACK], teamsChannels: [TEAMS] });
  expect(bus.chatTopic).toBeDefined();
  const chatTopic = stack.resolve(bus.chatTopic!.topicArn);
  const guardrail = { 'Fn::Join': ['', ['arn:', { Ref: 'AWS::Partition' }, ':iam::aws:policy/ReadOnlyAccess']] };
  template.hasResourceProperties('AWS::Chatbot::SlackChannelConfiguration', {
    SlackWorkspaceId: SLACK.workspaceId,
    SlackChannelId: SLACK.channelId,
    SnsTopicArns: [chatTopic],
    GuardrailPolicies: [guardrail],
    UserRoleRequired: true,
    LoggingLevel: 'ERROR',
  });
  template.hasResourceProperties('AWS::Chatbot::MicrosoftTeamsChannelConfiguration', {
    TeamId: TEAMS.teamId,
    TeamsTenantId: TEAMS.tenantId,
    TeamsChannelId: TEAMS.channelId,
    SnsTopicArns: [chatTopic],
    GuardrailPolicies: [guardrail],
    UserRoleRequired: true,
    LoggingLevel: 'ERROR',
  });
  const role = stack.resolve((bus.chatChannels!.role.node.defaultChild as any).logicalId);
  const roleResource = template.toJSON().Resources[role];
  expect(roleResource.Properties.AssumeRolePolicyDocument.Statement).toEqual([
    { Action: 'sts:AssumeRole', Effect: 'Allow', Principal: { Service: 'chatbot.amazonaws.com' } },
  ]);
  expect(roleResource.Properties.ManagedPolicyArns).toBeUndefined();
  expect(roleResource.Properties.Policies).toBeUndefined();
  // No policy anywhere names the channels' role.
  const policies = { ...template.findResources('AWS::IAM::Policy'), ...template.findResources('AWS::IAM::ManagedPolicy') };
  expect(Object.values(policies).filter((p: any) => JSON.stringify(p.Properties.Roles ?? []).includes(role))).toEqual([]);
  template.resourceCountIs('AWS::Chatbot::SlackChannelConfiguration', 1);
  template.hasResourceProperties('AWS::Chatbot::SlackChannelConfiguration', { ConfigurationName: Match.stringLikeRegexp('slack-1$') });
});

test('cdk-nag: all five packs, nothing unsuppressed', () => {
  const { app, stack } = synth({ slackChannels: [SLACK], teamsChannels: [TEAMS] });
  expect(nagFindings(app, [stack], NAG_PACKS)).toEqual([]);
});

test.each<[string, Partial<CentralAlarmBusProps>, RegExp]>([
  ['a lower-case workspace id', { slackChannels: [{ ...SLACK, workspaceId: 't0123' }] }, /slackChannels\[\]\.workspaceId contains 't0123', expected a Slack workspace id such as T0123456789/],
  ['a channel name instead of its id', { slackChannels: [{ ...SLACK, channelId: '#backup-alarms' }] }, /slackChannels\[\]\.channelId contains '#backup-alarms', expected a Slack channel id/],
  ['a tenant that is not a UUID', { teamsChannels: [{ ...TEAMS, tenantId: 'contoso' }] }, /teamsChannels\[\]\.tenantId contains 'contoso', expected a tenant id \(a UUID\)/],
  ['an empty list', { slackChannels: [] }, /slackChannels and teamsChannels are both empty/],
])('%s fails synthesis with a message that names the prop and the value', (_name, props, message) => {
  expect(() => synth(props)).toThrow(message);
});

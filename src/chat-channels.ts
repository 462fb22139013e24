import { Names } from 'aws-cdk-lib';
import * as chatbot from 'aws-cdk-lib/aws-chatbot';
import * as iam from 'aws-cdk-lib/aws-iam';
import * as sns from 'aws-cdk-lib/aws-sns';
import { Construct } from 'constructs';
import { checkEach, ownerOf } from './private/validate';

/** A Slack channel that receives the alarms (its workspace authorized once in the Amazon Q Developer console). */
export interface SlackChannel {
  /** The Slack workspace id (`T...`), as the Amazon Q Developer console shows it after authorizing the workspace. */
  readonly workspaceId: string;
  /** The channel id (`C...` or `G...`: in Slack, the channel's details). */
  readonly channelId: string;
}

/** A Microsoft Teams channel that receives the alarms (its tenant authorized once in the Amazon Q Developer console). */
export interface TeamsChannel {
  /** The team id (a UUID, from the channel's link). */
  readonly teamId: string;
  /** The Microsoft Entra tenant id (a UUID). */
  readonly tenantId: string;
  /** The channel id (`19:...@thread.tacv2`, from the channel's link). */
  readonly channelId: string;
}

/** Properties of `ChatChannels`. */
export interface ChatChannelsProps {
  /** The chat topic the channels subscribe to (`CentralAlarmBus.chatTopic`). */
  readonly chatTopic: sns.ITopic;
  /**
   * Slack channels.
   * @default - none
   */
  readonly slackChannels?: SlackChannel[];
  /**
   * Microsoft Teams channels.
   * @default - none
   */
  readonly teamsChannels?: TeamsChannel[];
}

const SLACK_WORKSPACE = /^[0-9A-Z]{1,255}$/;
const SLACK_CHANNEL = /^[A-Za-z0-9]{1,255}$/;
const UUID = /^[0-9a-fA-F]{8}-[0-9a-fA-F]{4}-[0-9a-fA-F]{4}-[0-9a-fA-F]{4}-[0-9a-fA-F]{12}$/;
const TEAMS_CHANNEL = /^([a-zA-Z0-9-_=+/.,])*%3[aA]([a-zA-Z0-9-_=+/.,])*%40([a-zA-Z0-9-_=+/.,])*$|^([a-zA-Z0-9-_=+/.,])*:([a-zA-Z0-9-_=+/.,])*@([a-zA-Z0-9-_=+/.,])*$/;

/**
 * Notification-only Amazon Q Developer channel configurations (Slack, Microsoft Teams) subscribed to the chat topic:
 * one role that trusts `chatbot.amazonaws.com` and has no permission at all, the AWS managed `ReadOnlyAccess` as the
 * explicit guardrail (without one, Amazon Q applies `AdministratorAccess`: API reference,
 * CreateSlackChannelConfiguration, `GuardrailPolicyArns`), user roles required (a member cannot act with a role of
 * their own), errors logged. Nobody can run a command through these channels.
 *
 * Authorizing the Slack workspace or the Teams tenant is a one-time step in the Amazon Q Developer console that
 * CloudFormation cannot do (README, "Chat").
 *
 * @example
 * declare const bus: CentralAlarmBus;
 * new ChatChannels(this, 'Chat', {
 *   chatTopic: bus.chatTopic!,
 *   slackChannels: [{ workspaceId: 'T0123456789', channelId: 'C0123456789' }],
 * });
 */
export class ChatChannels extends Construct {
  /** The channels' role: trusts Amazon Q Developer in chat applications, holds no permission. */
  public readonly role: iam.IRole;
  /** The Slack channel configurations, in the order given. */
  public readonly slackConfigurations: chatbot.SlackChannelConfiguration[];
  /** The Microsoft Teams channel configurations, in the order given. */
  public readonly teamsConfigurations: chatbot.CfnMicrosoftTeamsChannelConfiguration[];

  constructor(scope: Construct, id: string, props: ChatChannelsProps) {
    super(scope, id);
    const owner = ownerOf('ChatChannels', scope, id);
    const slack = props.slackChannels ?? [];
    const teams = props.teamsChannels ?? [];
    if (slack.length + teams.length === 0) {
      throw new Error(`${owner}: slackChannels and teamsChannels are both empty; give at least one channel, or leave ChatChannels out`);
    }
    // checkEach refuses an empty list: only check the ids of the kinds given.
    const each = (prop: string, values: string[], re: RegExp, expected: string) => {
      if (values.length > 0) checkEach(owner, prop, values, re, expected);
    };
    each('slackChannels[].workspaceId', slack.map((c) => c.workspaceId), SLACK_WORKSPACE, 'a Slack workspace id such as T0123456789');
    each('slackChannels[].channelId', slack.map((c) => c.channelId), SLACK_CHANNEL, 'a Slack channel id such as C0123456789');
    each('teamsChannels[].teamId', teams.map((c) => c.teamId), UUID, 'a team id (a UUID)');
    each('teamsChannels[].tenantId', teams.map((c) => c.tenantId), UUID, 'a tenant id (a UUID)');
    each('teamsChannels[].channelId', teams.map((c) => c.channelId), TEAMS_CHANNEL, "a Teams channel id such as '19:abc@thread.tacv2'");

    this.role = new iam.Role(this, 'Role', {
      assumedBy: new iam.ServicePrincipal('chatbot.amazonaws.com'),
      description: 'Amazon Q Developer channels of the backup alarms: notifications only, no permission (cdk-backup-alarms)',
    });
    const guardrails = [iam.ManagedPolicy.fromAwsManagedPolicyName('ReadOnlyAccess')];
    // Configuration names are unique per account: derived from this construct's path, like a physical name CDK generates.
    const name = (kind: string, i: number) => `${Names.uniqueResourceName(this, { maxLength: 100 })}-${kind}-${i + 1}`;
    this.slackConfigurations = slack.map((c, i) => new chatbot.SlackChannelConfiguration(this, `Slack${i + 1}`, {
      slackChannelConfigurationName: name('slack', i),
      slackWorkspaceId: c.workspaceId,
      slackChannelId: c.channelId,
      notificationTopics: [props.chatTopic],
      role: this.role,
      guardrailPolicies: guardrails,
      userRoleRequired: true,
      loggingLevel: chatbot.LoggingLevel.ERROR,
    }));
    this.teamsConfigurations = teams.map((c, i) => new chatbot.CfnMicrosoftTeamsChannelConfiguration(this, `Teams${i + 1}`, {
      configurationName: name('teams', i),
      teamId: c.teamId,
      teamsTenantId: c.tenantId,
      teamsChannelId: c.channelId,
      snsTopicArns: [props.chatTopic.topicArn],
      iamRoleArn: this.role.roleArn,
      guardrailPolicies: guardrails.map((p) => p.managedPolicyArn),
      userRoleRequired: true,
      loggingLevel: 'ERROR',
    }));
  }
}

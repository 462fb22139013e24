/**
 * Custom notifications of Amazon Q Developer in chat applications (formerly AWS Chatbot): the one JSON shape it
 * forwards from an SNS topic to Slack and Microsoft Teams ("Custom notifications using Amazon Q Developer in chat
 * applications", https://docs.aws.amazon.com/chatbot/latest/adminguide/custom-notifs.html). Any other payload is
 * dropped without an error, so everything this library sends to a chat topic is built or checked here.
 * Dependency-free: the construct side (input transformers) and the Lambda bundles (reports) both import it.
 *
 * The page documents the fields, not their sizes. The limits below are this library's, chosen below what the
 * chat clients take (Slack: 3,000 characters per text section, 150 per header; Microsoft Teams: about 28 KB per
 * message), so that a notification is never cut or refused by the client. `customNotification` keeps to them by
 * cutting a value with an ellipsis; it never throws.
 */

/** The only `version` the schema knows. */
export const CUSTOM_NOTIFICATION_VERSION = '1.0';

/** The only `source` of a custom notification. */
export const CUSTOM_NOTIFICATION_SOURCE = 'custom';

/** How Amazon Q renders the content's text. */
export enum ChatTextType {
  /** Rendered in the chat platform's own markdown (Slack's or Teams'); the only type the page lists. */
  CLIENT_MARKDOWN = 'client-markdown',
}

/** The limits this library keeps to (characters, as UTF-16 code units, which never undercounts). */
export const CHAT_LIMITS = {
  /** `content.title`: one line, below Slack's attachment and Teams' card titles. */
  TITLE: 250,
  /** `content.description`: Slack's limit for one text section. */
  DESCRIPTION: 3000,
  /** Entries of `content.nextSteps`. */
  NEXT_STEPS: 5,
  /** One next step: room for a console URL that carries an encoded ARN. */
  NEXT_STEP: 500,
  /** Entries of `content.keywords`. */
  KEYWORDS: 10,
  /** One keyword. */
  KEYWORD: 50,
  /** `metadata.threadId`: account, Region and an ARN. */
  THREAD_ID: 1024,
  /** `metadata.summary`. */
  SUMMARY: 250,
  /** `metadata.eventType` (as the `NotificationType` of a custom action attachment: 1 to 100 of `[a-zA-Z0-9-]`). */
  EVENT_TYPE: 100,
  /** Entries of `metadata.relatedResources`. */
  RELATED_RESOURCES: 10,
  /** One related resource: the longest ARN IAM allows. */
  RELATED_RESOURCE: 2048,
  /** `id`. */
  ID: 256,
} as const;

/** What `customNotification` is asked to say. */
export interface CustomNotificationInput {
  readonly title: string;
  readonly description: string;
  readonly nextSteps?: readonly string[];
  readonly keywords?: readonly string[];
  readonly id?: string;
  /** Notifications with the same thread id are threaded together (if the channel's preferences allow it). */
  readonly threadId?: string;
  readonly summary?: string;
  readonly eventType?: string;
  readonly relatedResources?: readonly string[];
}

/** A custom notification as the schema defines it. */
export interface CustomNotification {
  readonly version: string;
  readonly source: string;
  readonly id?: string;
  readonly content: {
    readonly textType: ChatTextType;
    readonly title: string;
    readonly description: string;
    readonly nextSteps: string[];
    readonly keywords: string[];
  };
  readonly metadata?: {
    readonly threadId?: string;
    readonly summary?: string;
    readonly eventType?: string;
    readonly relatedResources?: string[];
  };
}

/** The ellipsis that marks a cut value. */
export const ELLIPSIS = '\u2026';

/** `text` cut to `max` characters, the last being an ellipsis; never a lone half of a surrogate pair. */
export function truncate(text: string, max: number): string {
  if (text.length <= max) return text;
  let cut = text.slice(0, Math.max(0, max - 1));
  if (/[\ud800-\udbff]$/.test(cut)) cut = cut.slice(0, -1);
  return `${cut}${ELLIPSIS}`;
}

const EVENT_TYPE_PATTERN = /^[a-zA-Z0-9-]+$/;

/** A custom notification within `CHAT_LIMITS`: long values are cut with an ellipsis, extra list entries dropped. */
export function customNotification(input: CustomNotificationInput): CustomNotification {
  const list = (items: readonly string[] | undefined, count: number, each: number) =>
    (items ?? []).slice(0, count).map((i) => truncate(i, each));
  const metadata: { threadId?: string; summary?: string; eventType?: string; relatedResources?: string[] } = {};
  if (input.threadId !== undefined) metadata.threadId = truncate(input.threadId, CHAT_LIMITS.THREAD_ID);
  if (input.summary !== undefined) metadata.summary = truncate(input.summary, CHAT_LIMITS.SUMMARY);
  if (input.eventType !== undefined) {
    const type = input.eventType.replace(/[^a-zA-Z0-9-]+/g, '-').slice(0, CHAT_LIMITS.EVENT_TYPE);
    if (type.length > 0) metadata.eventType = type;
  }
  if (input.relatedResources !== undefined && input.relatedResources.length > 0) {
    metadata.relatedResources = list(input.relatedResources, CHAT_LIMITS.RELATED_RESOURCES, CHAT_LIMITS.RELATED_RESOURCE);
  }
  return {
    version: CUSTOM_NOTIFICATION_VERSION,
    source: CUSTOM_NOTIFICATION_SOURCE,
    ...(input.id === undefined ? {} : { id: truncate(input.id, CHAT_LIMITS.ID) }),
    content: {
      textType: ChatTextType.CLIENT_MARKDOWN,
      // A title is one line: a newline would end it early in Slack.
      title: truncate(input.title.replace(/\s*\n\s*/g, ' '), CHAT_LIMITS.TITLE),
      description: truncate(input.description, CHAT_LIMITS.DESCRIPTION),
      nextSteps: list(input.nextSteps, CHAT_LIMITS.NEXT_STEPS, CHAT_LIMITS.NEXT_STEP),
      keywords: list(input.keywords, CHAT_LIMITS.KEYWORDS, CHAT_LIMITS.KEYWORD),
    },
    ...(Object.keys(metadata).length === 0 ? {} : { metadata }),
  };
}

const CONTENT_KEYS = ['textType', 'title', 'description', 'nextSteps', 'keywords'];
const METADATA_KEYS = ['threadId', 'summary', 'eventType', 'relatedResources', 'additionalContext', 'enableCustomActions'];

/**
 * What is wrong with `value` as a custom notification, one sentence per violation: the documented schema
 * (required fields, types, `version` "1.0", `source` "custom", `textType` "client-markdown", no other keys)
 * and this library's `CHAT_LIMITS`. Empty when it is valid.
 */
export function validateCustomNotification(value: unknown): string[] {
  const errors: string[] = [];
  const isObject = (v: unknown): v is Record<string, unknown> => typeof v === 'object' && v !== null && !Array.isArray(v);
  const text = (where: string, v: unknown, max: number, required = false) => {
    if (v === undefined) {
      if (required) errors.push(`${where} is missing`);
      return;
    }
    if (typeof v !== 'string') errors.push(`${where} is not a string`);
    else if (v.length > max) errors.push(`${where} has ${v.length} characters, more than ${max}`);
  };
  const texts = (where: string, v: unknown, count: number, each: number) => {
    if (v === undefined) return;
    if (!Array.isArray(v)) {
      errors.push(`${where} is not a list`);
      return;
    }
    if (v.length > count) errors.push(`${where} has ${v.length} entries, more than ${count}`);
    v.forEach((item, i) => text(`${where}[${i}]`, item, each));
  };
  const unknownKeys = (where: string, obj: Record<string, unknown>, known: string[]) => {
    for (const k of Object.keys(obj)) if (!known.includes(k)) errors.push(`${where}.${k} is not in the schema`);
  };

  if (!isObject(value)) return ['the notification is not a JSON object'];
  unknownKeys('notification', value, ['version', 'source', 'id', 'content', 'metadata']);
  if (value.version !== CUSTOM_NOTIFICATION_VERSION) errors.push(`version is ${JSON.stringify(value.version)}, not "${CUSTOM_NOTIFICATION_VERSION}"`);
  if (value.source !== CUSTOM_NOTIFICATION_SOURCE) errors.push(`source is ${JSON.stringify(value.source)}, not "${CUSTOM_NOTIFICATION_SOURCE}"`);
  text('id', value.id, CHAT_LIMITS.ID);

  const content = value.content;
  if (!isObject(content)) {
    errors.push('content is missing or not an object');
  } else {
    unknownKeys('content', content, CONTENT_KEYS);
    if (content.textType !== undefined && content.textType !== ChatTextType.CLIENT_MARKDOWN) {
      errors.push(`content.textType is ${JSON.stringify(content.textType)}, not "${ChatTextType.CLIENT_MARKDOWN}"`);
    }
    text('content.title', content.title, CHAT_LIMITS.TITLE);
    if (typeof content.title === 'string' && content.title.includes('\n')) errors.push('content.title spans more than one line');
    text('content.description', content.description, CHAT_LIMITS.DESCRIPTION, true);
    texts('content.nextSteps', content.nextSteps, CHAT_LIMITS.NEXT_STEPS, CHAT_LIMITS.NEXT_STEP);
    texts('content.keywords', content.keywords, CHAT_LIMITS.KEYWORDS, CHAT_LIMITS.KEYWORD);
  }

  const metadata = value.metadata;
  if (metadata !== undefined) {
    if (!isObject(metadata)) {
      errors.push('metadata is not an object');
    } else {
      unknownKeys('metadata', metadata, METADATA_KEYS);
      text('metadata.threadId', metadata.threadId, CHAT_LIMITS.THREAD_ID);
      text('metadata.summary', metadata.summary, CHAT_LIMITS.SUMMARY);
      text('metadata.eventType', metadata.eventType, CHAT_LIMITS.EVENT_TYPE);
      if (typeof metadata.eventType === 'string' && !EVENT_TYPE_PATTERN.test(metadata.eventType)) {
        errors.push(`metadata.eventType ${JSON.stringify(metadata.eventType)} is not [a-zA-Z0-9-]+`);
      }
      texts('metadata.relatedResources', metadata.relatedResources, CHAT_LIMITS.RELATED_RESOURCES, CHAT_LIMITS.RELATED_RESOURCE);
      if (metadata.additionalContext !== undefined) {
        if (!isObject(metadata.additionalContext)) errors.push('metadata.additionalContext is not an object');
        else for (const [k, v] of Object.entries(metadata.additionalContext)) text(`metadata.additionalContext.${k}`, v, 1024);
      }
      if (metadata.enableCustomActions !== undefined && typeof metadata.enableCustomActions !== 'boolean') {
        errors.push('metadata.enableCustomActions is not a boolean');
      }
    }
  }
  return errors;
}

/**
 * Name formats checked both at synthesis and by the forwarder at cold start. No imports: the Lambda bundle
 * includes this file and must not pull in aws-cdk-lib.
 */

/** A 12-digit AWS account id (AWS's documentation examples use 13 digits, which nothing accepts). */
export const ACCOUNT_ID = /^\d{12}$/;
/** An EventBridge event bus ARN: partition, Region, account and name captured. */
export const EVENT_BUS_ARN = /^arn:(aws|aws-cn|aws-us-gov|aws-iso|aws-iso-[a-z]|aws-eusc):events:([a-z0-9-]+):(\d{12}):event-bus\/([A-Za-z0-9._\-/]{1,256})$/;
/** An IAM role name: 1 to 64 of letters, digits and +=,.@_- . */
export const ROLE_NAME = /^[\w+=,.@-]{1,64}$/;
/** What `ROLE_NAME` accepts, for error messages. */
export const ROLE_NAME_EXPECTED = 'an IAM role name (1 to 64 of letters, digits and +=,.@_-)';
/** An AWS Organizations id. */
export const ORG_ID = /^o-[a-z0-9]{10,32}$/;
/** What `ORG_ID` accepts, for error messages. */
export const ORG_ID_EXPECTED = "an organization id like o-a1b2c3d4e5 ('o-' and 10 to 32 lower-case letters or digits)";

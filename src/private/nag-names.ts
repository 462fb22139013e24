import { Stack, Token } from 'aws-cdk-lib';

/**
 * How cdk-nag writes a resource in its findings (and so in `appliesTo`): the stack's Region and account as
 * pseudo parameters when the stack is environment-agnostic, other intrinsics as their JSON.
 */
export function nagRegion(stack: Stack): string {
  return Token.isUnresolved(stack.region) ? '<AWS::Region>' : stack.region;
}

/** The stack's account as cdk-nag writes it. */
export function nagAccount(stack: Stack): string {
  return Token.isUnresolved(stack.account) ? '<AWS::AccountId>' : stack.account;
}

/** An intrinsic (a token) as cdk-nag writes it: its CloudFormation JSON. */
export function nagIntrinsic(stack: Stack, token: string): string {
  return JSON.stringify(stack.resolve(token));
}

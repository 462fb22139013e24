import { Duration, Token } from 'aws-cdk-lib';
import { Construct } from 'constructs';
import { ORG_ID, ORG_ID_EXPECTED, ROLE_NAME, ROLE_NAME_EXPECTED } from '../shared/names';

/**
 * How error messages name a construct, `<Kind> '<path>'`, computable before the construct exists (a subclass
 * checks its props before calling its base constructor): the path is the scope's path and the id.
 */
export function ownerOf(kind: string, scope: Construct, id: string): string {
  return `${kind} '${[scope.node.path, id].filter((p) => p !== '').join('/')}'`;
}

/** Misuse of a prop: `<owner>: <prop> must be <expected>, got '<value>'`. Tokens are never judged. */
export function checkFormat(owner: string, prop: string, value: string | undefined, re: RegExp, expected: string): void {
  if (value === undefined || Token.isUnresolved(value) || re.test(value)) return;
  throw new Error(`${owner}: ${prop} must be ${expected}, got '${value}'`);
}

/** An optional IAM role name prop. */
export function checkRoleName(owner: string, prop: string, value: string | undefined): void {
  checkFormat(owner, prop, value, ROLE_NAME, ROLE_NAME_EXPECTED);
}

/** An organization id prop. */
export function checkOrganizationId(owner: string, prop: string, value: string | undefined): void {
  checkFormat(owner, prop, value, ORG_ID, ORG_ID_EXPECTED);
}

/** An optional list prop: not empty, and every item of the expected form. */
export function checkEach(owner: string, prop: string, values: string[] | undefined, re: RegExp, expected: string): void {
  if (values === undefined) return;
  if (values.length === 0) {
    throw new Error(`${owner}: ${prop} is empty; leave it unset instead`);
  }
  for (const v of values) {
    if (!Token.isUnresolved(v) && !re.test(v)) {
      throw new Error(`${owner}: ${prop} contains '${v}', expected ${expected}`);
    }
  }
}

/** EventBridge's bounds for a target's retry policy. */
export function checkRetryPolicy(owner: string, retryAttempts: number | undefined, maxEventAge: Duration | undefined): void {
  if (retryAttempts !== undefined && !Token.isUnresolved(retryAttempts)
    && (!Number.isInteger(retryAttempts) || retryAttempts < 0 || retryAttempts > 185)) {
    throw new Error(`${owner}: retryAttempts must be a whole number from 0 to 185, got ${retryAttempts}`);
  }
  if (maxEventAge !== undefined && !maxEventAge.isUnresolved()
    && (maxEventAge.toSeconds() < 60 || maxEventAge.toSeconds() > 86400)) {
    throw new Error(`${owner}: maxEventAge must be from 60 seconds to 24 hours, got ${maxEventAge.toHumanString()}`);
  }
}

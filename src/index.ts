export * from './shared/backup-events';
export * from './shared/findings';
export { BackupPolicyEvent, PolicyIdOnlyEvents } from './shared/policy-events';
export * from './forwarding';
export * from './backup-failure-rule';
export * from './central-alarm-bus';
export * from './backup-policy-change-rule';
export * from './security-hub-finding-forwarder';
export * from './backup-failure-rule-stack-set';

"""Python consumer of the cdk-backup-alarms wheel.

Run by test/consumers/run.sh inside a fresh virtualenv that has the wheel built from dist/python,
aws-cdk-lib and constructs from PyPI. It synthesizes a small app offline (no AWS call) and checks the
template with aws_cdk.assertions. Any failure exits non-zero with a message naming the check.
"""

import importlib.metadata
import json
import os
import sys
import tempfile

import aws_cdk as cdk
from aws_cdk import assertions

from cdk_backup_alarms import BackupEvents, BackupFailureRule, BackupJobKind, BackupJobState

CENTRAL_BUS_ARN = "arn:aws:events:eu-west-1:111111111111:event-bus/backup-alarms"
ENV = cdk.Environment(account="222222222222", region="eu-west-1")


class ConsumerCheckFailed(Exception):
    pass


def check(condition, message, detail=None):
    if not condition:
        if detail is not None:
            message += "\n  got: " + json.dumps(detail, indent=2, default=str)[:4000]
        raise ConsumerCheckFailed(message)


def check_synthesized_rule(outdir):
    app = cdk.App(outdir=outdir)
    stack = cdk.Stack(app, "PythonConsumerStack", env=ENV)
    failures = BackupFailureRule(
        stack,
        "Failures",
        central_bus_arn=CENTRAL_BUS_ARN,
        job_kinds=[BackupJobKind.RESTORE, BackupJobKind.BACKUP],
        restore_job_states=[BackupJobState.FAILED],
        max_event_age=cdk.Duration.hours(2),
        retry_attempts=10,
        # The checks below read the rule's own pattern and its dead-letter alarm; the defaults are checked next.
        heartbeat=False,
    )
    # With the defaults the rule has a heartbeat and no dead-letter alarm (it would have no topic to tell):
    # an optional property that JavaScript leaves undefined comes back as None.
    defaults = BackupFailureRule(cdk.Stack(app, "PythonConsumerDefaults", env=ENV), "Failures", central_bus_arn=CENTRAL_BUS_ARN)
    check(defaults.heartbeat is not None and defaults.dead_letter_alarm is None,
          "with defaults, BackupFailureRule.heartbeat is not set or .dead_letter_alarm is not None")

    # Attributes come back through jsii as typed objects, enums as Python enums.
    check(failures.rule is not None and failures.dead_letter_queue is not None,
          "BackupFailureRule.rule / .dead_letter_queue are not set")
    check(failures.forwarder_role is not None and failures.dead_letter_alarm is not None,
          "BackupFailureRule.forwarder_role / .dead_letter_alarm are not set")
    check(list(failures.job_kinds) == [BackupJobKind.RESTORE, BackupJobKind.BACKUP],
          "BackupFailureRule.job_kinds is not [RESTORE, BACKUP]", [str(k) for k in failures.job_kinds])
    check(BackupEvents.detail_type_of(BackupJobKind.RESTORE) == "Restore Job State Change",
          "BackupEvents.detail_type_of(RESTORE) is wrong", BackupEvents.detail_type_of(BackupJobKind.RESTORE))
    check(BackupEvents.state_field_of(BackupJobKind.RESTORE) == "status",
          "BackupEvents.state_field_of(RESTORE) is not 'status'")
    check(BackupEvents.SOURCE == "aws.backup", "BackupEvents.SOURCE is not 'aws.backup'", BackupEvents.SOURCE)
    # An optional enum return comes back as None when the JavaScript side returns undefined.
    check(BackupEvents.kind_of_detail_type("Not A Backup Event") is None,
          "BackupEvents.kind_of_detail_type(unknown) is not None")

    assembly = app.synth()
    check(os.path.isfile(os.path.join(outdir, "PythonConsumerStack.template.json")),
          "app.synth() wrote no PythonConsumerStack.template.json in " + outdir, os.listdir(outdir))
    check(assembly.get_stack_by_name("PythonConsumerStack").template is not None,
          "the cloud assembly has no template for PythonConsumerStack")

    template = assertions.Template.from_stack(stack)
    rules = template.find_resources("AWS::Events::Rule")
    check(len(rules) == 1, "expected exactly one AWS::Events::Rule", list(rules))
    props = next(iter(rules.values()))["Properties"]
    pattern = props["EventPattern"]

    check(pattern.get("source") == ["aws.backup"], "EventPattern.source is not ['aws.backup']", pattern)
    branches = pattern.get("$or")
    check(isinstance(branches, list) and len(branches) == 2,
          "EventPattern has no top-level $or with one branch per job kind", pattern)
    restore = [b for b in branches if b.get("detail-type") == ["Restore Job State Change"]]
    check(len(restore) == 1, "no $or branch for 'Restore Job State Change'", pattern)
    check(restore[0].get("detail", {}).get("status") == ["FAILED"],
          "the restore branch does not match detail.status ['FAILED']", restore[0])
    check("state" not in restore[0].get("detail", {}),
          "the restore branch matches detail.state (restores report detail.status)", restore[0])
    backup = [b for b in branches if b.get("detail-type") == ["Backup Job State Change"]]
    check(len(backup) == 1 and "FAILED" in backup[0].get("detail", {}).get("state", []),
          "the backup branch does not match detail.state FAILED", pattern)

    targets = props.get("Targets", [])
    check(len(targets) == 1, "expected exactly one rule target", targets)
    target = targets[0]
    check("RoleArn" in target, "the rule target has no RoleArn", target)
    check(target.get("Arn") == CENTRAL_BUS_ARN, "the rule target is not the central bus", target)
    check(target.get("RetryPolicy") == {"MaximumEventAgeInSeconds": 7200, "MaximumRetryAttempts": 10},
          "the rule target's RetryPolicy does not carry max_event_age / retry_attempts", target)
    check("DeadLetterConfig" in target, "the rule target has no DeadLetterConfig", target)

    # The assertions API itself, through jsii.
    template.resource_count_is("AWS::SQS::Queue", 1)
    template.has_resource_properties("AWS::Events::Rule", assertions.Match.object_like({
        "State": "ENABLED",
        "Targets": [assertions.Match.object_like({"Arn": CENTRAL_BUS_ARN})],
    }))
    template.resource_count_is("AWS::CloudWatch::Alarm", 1)
    print("python consumer: synthesized PythonConsumerStack, rule pattern/target/queue checks passed")


def check_bad_props(outdir):
    app = cdk.App(outdir=outdir)  # never synthesized: nothing is written there
    stack = cdk.Stack(app, "BadStack", env=ENV)
    try:
        BackupFailureRule(stack, "Bad", central_bus_arn=CENTRAL_BUS_ARN, job_kinds=[])
    except Exception as e:  # jsii raises the JavaScript error as a Python exception (RuntimeError)
        check("jobKinds is empty" in str(e),
              "job_kinds=[] raised, but the message does not contain 'jobKinds is empty'", str(e))
        print(f"python consumer: job_kinds=[] raised {type(e).__name__} as expected")
        return
    raise ConsumerCheckFailed("job_kinds=[] did not raise")


def main():
    versions = {d: importlib.metadata.version(d) for d in ("cdk-backup-alarms", "aws-cdk-lib", "constructs", "jsii")}
    print("python consumer: " + ", ".join(f"{d} {v}" for d, v in versions.items()))
    outdir = os.environ.get("CDK_OUTDIR") or tempfile.mkdtemp(prefix="cdk-consumer-py-")
    try:
        check_synthesized_rule(outdir)
        check_bad_props(outdir + "-bad")
    except ConsumerCheckFailed as e:
        print(f"PYTHON CONSUMER FAILED: {e}", file=sys.stderr)
        return 1
    print("python consumer: OK")
    return 0


if __name__ == "__main__":
    sys.exit(main())

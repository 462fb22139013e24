/**
 * What the daily report is made from: gathered by the run (run.ts) from the protection ledger, the overdue
 * judgement (overdue.ts) and, when there is one, the heartbeat ledger. Pure types.
 */
import { ActivityItem, ProtectionItem } from './item';

/** A heartbeat source as the daily report sees it. */
export interface ReportSource {
  readonly account: string;
  readonly region: string;
  readonly rule: string;
  /** Epoch milliseconds of its newest heartbeat (absent: never seen). */
  readonly lastSeen?: number;
  /** Reported silent (or never seen) by the heartbeat checker. */
  readonly silent: boolean;
}

/** The inputs of one daily report. */
export interface DailyReportInput {
  /** When the report is made (epoch milliseconds); it covers the 24 hours before. */
  readonly now: number;
  /** The IANA time zone the report's dates are written in (the schedule's zone), for example `Europe/Berlin`. */
  readonly timeZone: string;
  /** The partition of the central account (console links): `aws`, `aws-cn`, `aws-us-gov`. */
  readonly partition: string;
  /** Activity items of the 24 hours before `now` (one per hour, account and Region that had job events). */
  readonly activity: ActivityItem[];
  /** Every protection in the ledger, in any state, after this run's overdue check. */
  readonly protections: ProtectionItem[];
  /** How many of `protections` are not judged yet (no interval learned and no recovery point objective). */
  readonly learning: number;
  /** The heartbeat sources, when a heartbeat monitor runs beside (absent: no heartbeat ledger). */
  readonly sources?: ReportSource[];
  /** The ledger's table name (named at the end of the report). */
  readonly tableName: string;
}

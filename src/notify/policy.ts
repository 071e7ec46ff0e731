/**
 * Who gets told without an admin: only a spam verdict at or above the configured score
 * goes out automatically; the rest of what the policy names waits for approval; a
 * "normal" source never gets a notice. Accusing an innocent customer is worse than
 * telling a guilty one an hour later.
 */
import type { ReportSource } from '../domain/report';
import type { NoticePolicy } from './notify-config';

export type Decision =
  | { decision: 'auto'; reason: string }
  | { decision: 'approval'; reason: string }
  | { decision: 'never'; reason: string };

export function decide(source: ReportSource, policy: NoticePolicy): Decision {
  if (source.verdict === 'normal') return { decision: 'never', reason: 'verdict normal: customers are never told about normal mail' };
  if (!policy.enabled) return { decision: 'never', reason: 'notices are switched off for this server or reseller' };
  if (source.verdict === 'spam' && source.score >= policy.autoMinScore) {
    return { decision: 'auto', reason: `spam with score ${source.score} (automatic from ${policy.autoMinScore})` };
  }
  if (policy.approvalFor.includes(source.verdict)) {
    const why = source.verdict === 'spam' ? `spam with score ${source.score}, below the automatic ${policy.autoMinScore}` : `verdict ${source.verdict}`;
    return { decision: 'approval', reason: `${why}: an admin decides` };
  }
  return { decision: 'never', reason: `verdict ${source.verdict} is not in the policy's approval list` };
}

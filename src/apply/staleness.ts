// Pure: compare a saved plan with a fresh one made just before apply. Terraform's rule: a plan is
// applied exactly as reviewed, or not at all.
import type { PlanFile } from '../plan/types.js';

export function findStaleReasons(saved: PlanFile, fresh: PlanFile, currentConfigHash: string): string[] {
  const reasons: string[] = [];
  if (saved.configHash !== currentConfigHash) reasons.push(`the policy files changed since the plan was made (config ${short(saved.configHash)} → ${short(currentConfigHash)})`);
  if (saved.tenantId !== fresh.tenantId) reasons.push(`the plan is for tenant ${saved.tenantId}, not ${fresh.tenantId}`);
  const freshByAddress = new Map(fresh.resources.map((r) => [r.address, r]));
  for (const r of saved.resources) {
    if (r.action === 'noop') continue;
    const now = freshByAddress.get(r.address);
    if (!now) reasons.push(`${r.address} can no longer be planned`);
    else if (now.fingerprint !== r.fingerprint) reasons.push(`${r.address} (${r.displayName}) changed in the tenant since the plan was made`);
  }
  return reasons;
}

function short(hash: string): string {
  return hash.replace(/^sha256:/, '').slice(0, 12);
}

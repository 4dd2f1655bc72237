import { hasErrors } from '../diagnostics.js';
import { UserError } from '../errors.js';
import type { DesiredState } from '../config/types.js';
import { assertPolicyNameFree, createPolicy, deletePolicy, patchAuthenticationMethodsPolicy, patchMethodConfiguration, updatePolicy, type GraphGateway } from '../graph/index.js';
import { PREFLIGHT_TWIN_PREFIX } from '../plan/preflightTwin.js';
import { rolloutHasPreflight } from '../waves/preflight.js';
import type { PlanFile, PlanResource } from '../plan/types.js';
import { refuseUnsafeWrites } from '../plan/safety.js';
import { planAgainstTenant, type TenantPlanResult } from '../tenant/planAgainstTenant.js';
import { toolVersion } from '../version.js';
import { recordCreated, REFERENCE_KINDS, withCreatedIds, writeReference } from './referenceWrites.js';
import { verifySavedPlan } from './staleness.js';
import { promoteWave, type WaveMoveResult } from './waves.js';

export interface ApplyOptions {
  /** Apply only the configuration writes, or only the wave promotions. */
  only?: 'config' | 'waves';
  /**
   * A plan made moments ago in this process from the same read (apply without a plan file): it is
   * the fresh state, so the tenant is not read twice.
   */
  fresh?: TenantPlanResult;
  onWrite?: (r: PlanResource) => void;
  onWave?: (r: WaveMoveResult) => void;
  /** Said before any write, e.g. that a plan from another version is applied because its writes are identical. */
  onNotice?: (message: string) => void;
  progress?: (message: string) => void;
}

export interface HeldWave {
  rollout: string;
  wave: string;
  reason: string;
}

export interface ApplyReport {
  written: PlanResource[];
  /** Set when a write failed: what failed and what was never attempted. */
  failure?: { resource: PlanResource; error: Error; notAttempted: PlanResource[] };
  promoted: WaveMoveResult[];
  /** Waves the plan promotes that were not promoted, because a gate no longer passes at apply time. */
  held: HeldWave[];
}

/**
 * Re-reads the tenant and plans again, refuses before any write when the saved plan is for another
 * tenant, stale, has errors, or writes anything other than the fresh plan writes; then sends the
 * verified writes in the plan's order (methods before Conditional Access) and finally promotes the
 * waves the plan promotes, each only if its gates still pass now. Nothing from the saved file (ids,
 * paths, bodies) is sent unless the fresh plan produced exactly the same.
 */
export async function applyPlan(gw: GraphGateway, plan: PlanFile, desired: DesiredState, now: Date, options: ApplyOptions = {}): Promise<ApplyReport> {
  if (hasErrors(plan.diagnostics)) throw new UserError('the plan has errors; fix them and plan again (nothing was written)');
  const doConfig = options.only !== 'waves';
  const promotions = options.only === 'config' ? [] : plan.waves.filter((w) => w.decision === 'promote');

  // The preflight twins belong to the wave controller: `--only waves` (the scheduled job) keeps them in
  // step, `--only config` leaves them alone. Keeping them needs the waves evaluated.
  const doWaves = options.only !== 'config';
  const isTwin = (r: PlanResource) => r.address.startsWith(PREFLIGHT_TWIN_PREFIX);
  const twinsWanted = doWaves && desired.rollouts.some((r) => rolloutHasPreflight(r.spec));
  const readOptions = { waves: promotions.length > 0 || twinsWanted, ...(options.progress ? { progress: options.progress } : {}) };
  let fresh = options.fresh ?? (await planAgainstTenant(gw, desired, now, readOptions));
  if (!fresh.plan) {
    throw new UserError('plan is stale: the tenant no longer resolves every name in the policies (nothing was written)', { detail: fresh.diagnostics.map((d) => `  ${d.message}`).join('\n') });
  }
  const changes = (p: PlanFile) => p.resources.filter((r) => r.action !== 'noop' && r.write && (isTwin(r) ? doWaves : doConfig));
  // Without the waves (--only config) a fresh plan has no twin to compare: the saved one's is not sent either.
  const scoped = (p: PlanFile): PlanFile => (doWaves ? p : { ...p, resources: p.resources.filter((r) => !isTwin(r)) });
  const verified = verifySavedPlan(scoped(plan), scoped(fresh.plan), desired.configHash, toolVersion, { config: doConfig });
  // Lockout guard (issue 12), first on what the plan file asks to send: a file edited to drop the
  // emergency exclusions is refused as the lockout it is, and the detail says how it differs too.
  try {
    refuseUnsafeWrites(changes(plan), desired.tenant.spec, fresh.live);
  } catch (err) {
    if (err instanceof UserError && verified.refusal) {
      throw new UserError(err.message, { detail: `${err.detail ?? ''}
The plan file also differs from a fresh plan: ${verified.refusal.message}
${verified.refusal.detail ?? ''}` });
    }
    throw err;
  }
  if (verified.refusal) throw new UserError(verified.refusal.message, { detail: verified.refusal.detail });
  if (hasErrors(fresh.plan.diagnostics)) throw new UserError('a fresh plan made now has errors; fix them and plan again (nothing was written)');
  for (const notice of verified.notices) options.onNotice?.(notice);
  // The fresh plan's writes: equal to the saved ones (just verified), and computed from the tenant as it is.
  const pending = changes(fresh.plan);
  // …and again on the bodies about to be sent (names resolved in this tenant).
  refuseUnsafeWrites(pending, desired.tenant.spec, fresh.live);

  // A preflight twin that moves on (or goes) because its wave is promoted by this plan is written after
  // that promotion: the promotion's fresh gates still read it, and a wave held at apply time keeps it.
  const promoting = new Set(promotions.map((w) => w.rollout));
  const afterPromotion = pending.filter((r) => r.address.startsWith(PREFLIGHT_TWIN_PREFIX) && r.action !== 'create' && promoting.has(r.address.slice(PREFLIGHT_TWIN_PREFIX.length)));
  const report: ApplyReport = { written: [], promoted: [], held: [] };
  // Ids of strengths/locations created above, for the CA bodies that name them (plan order: creates first).
  const created = new Map<string, string>();
  for (const [i, resource] of pending.filter((r) => !afterPromotion.includes(r)).entries()) {
    try {
      if (REFERENCE_KINDS.has(resource.kind)) recordCreated(created, resource, await writeReference(gw, resource));
      else await write(gw, withCreatedIds(resource, created));
    } catch (err) {
      report.failure = { resource, error: err as Error, notAttempted: pending.filter((r) => !afterPromotion.includes(r)).slice(i + 1).concat(afterPromotion) };
      return report;
    }
    report.written.push(resource);
    options.onWrite?.(resource);
  }
  if (promotions.length === 0) return report; // then nothing was deferred: afterPromotion is empty

  // The configuration just changed (a policy may have been created): read the rollouts again so the
  // promotion acts on, and the gates judge, the tenant as it is now.
  if (report.written.length > 0) fresh = await planAgainstTenant(gw, desired, gw.serverNow(), readOptions);
  const statuses = fresh.plan?.waves ?? [];
  for (const planned of promotions) {
    const now = statuses.find((s) => s.rollout === planned.rollout && s.wave === planned.wave);
    if (!now) {
      report.held.push({ rollout: planned.rollout, wave: planned.wave, reason: 'the wave is no longer in the policies' });
      continue;
    }
    if (now.decision === 'done') continue; // widened meanwhile (by hand or by another run): nothing to do
    if (now.decision !== 'promote') {
      const blocking = now.gates.filter((g) => g.status !== 'pass').map((g) => `${g.gate} ${g.status}: ${g.message}`);
      report.held.push({ rollout: planned.rollout, wave: planned.wave, reason: blocking.length ? blocking.join('; ') : `decision is now ${now.decision}` });
      continue;
    }
    const observation = fresh.rollouts?.observations.find((o) => o.name === planned.rollout);
    const wave = observation?.waves.find((w) => w.name === planned.wave);
    if (!observation || !wave) throw new Error(`rollout ${planned.rollout} was evaluated but not observed`);
    const result = await promoteWave(gw, observation, wave, fresh.rollouts!); // refuses if the rollout moved since this read
    report.promoted.push(result);
    options.onWave?.(result);
  }
  for (const [i, resource] of afterPromotion.entries()) {
    const rollout = resource.address.slice(PREFLIGHT_TWIN_PREFIX.length);
    if (!report.promoted.some((p) => p.rollout === rollout && p.failed.length === 0)) {
      options.onNotice?.(`${resource.address} left as it is: its wave was not promoted (the next plan decides again)`);
      continue;
    }
    try {
      await write(gw, resource);
    } catch (err) {
      report.failure = { resource, error: err as Error, notAttempted: afterPromotion.slice(i + 1) };
      return report;
    }
    report.written.push(resource);
    options.onWrite?.(resource);
  }
  return report;
}

/** Sends one verified write: the object it names is the write's own graphId, never a display field. */
async function write(gw: GraphGateway, resource: PlanResource): Promise<void> {
  const { write: w } = resource;
  if (!w) return;
  switch (resource.kind) {
    case 'MicrosoftAuthenticator':
    case 'TemporaryAccessPass':
    case 'Sms':
    case 'Voice':
    case 'Fido2':
    case 'SoftwareOath':
    case 'Email':
    case 'X509Certificate':
      await patchMethodConfiguration(gw, w.graphId ?? resource.kind, String(w.body['@odata.type']), w.body);
      return;
    case 'RegistrationCampaign':
    case 'AuthenticationMethodsPolicy':
      await patchAuthenticationMethodsPolicy(gw, w.body);
      return;
    case 'ConditionalAccessPolicy':
      if (w.method === 'DELETE') {
        // Only a preflight twin is ever deleted (src/plan/preflightTwin.ts); the id is the fresh plan's.
        if (!w.graphId) throw new Error(`${resource.address}: a DELETE without a graphId was planned`);
        await deletePolicy(gw, w.graphId);
      } else if (w.method === 'POST') {
        await assertPolicyNameFree(gw, String(w.body.displayName)); // another apply of the same plan may have created it meanwhile
        await createPolicy(gw, w.body);
      } else if (w.graphId) await updatePolicy(gw, w.graphId, w.body);
      else throw new Error(`${resource.address}: a PATCH without a graphId was planned`);
      return;
    default:
      throw new Error(`${resource.address}: no writer for ${resource.kind}`);
  }
}

// Child process for the `read-scale` bench: reads the transitive user members of every wave group
// and the registration report of a scale tenant through the real gateway, then prints figures as
// JSON on stdout. Run as its own process so its peak RSS is the reader's alone.
import { connectGraph, findGroupsByDisplayName, listTransitiveUserMemberIds, listUserRegistrationDetails } from '../../dist/graph/index.js';

const [graphUrl, timeScale, ...waveNames] = process.argv.slice(2);
const gw = await connectGraph({ graphUrl, token: 'bench', timeScale: Number(timeScale) });
const start = performance.now();
const members = {};
for (const name of waveNames) {
  const [group] = await findGroupsByDisplayName(gw, name, ['id']);
  members[name] = (await listTransitiveUserMemberIds(gw, group.id)).length;
}
const rows = await listUserRegistrationDetails(gw, { select: ['id', 'isMfaCapable', 'isMfaRegistered', 'methodsRegistered', 'lastUpdatedDateTime'] });
const wallMs = performance.now() - start;
const stats = gw.stats();
process.stdout.write(JSON.stringify({ members, registrationRows: rows.length, wallMs, stats, maxRssKb: process.resourceUsage().maxRSS }));

import { benchProfile } from './profile.js';
const r = await benchProfile({ duration: 3, warmup: 500, connections: 20, rounds: 2, calls: 1000, log: console.log });
for (const m of ['action', 'management'] as const) {
  console.log(m, r[m].requestsPerSecond);
  for (const s of r[m].stages) console.log('  ', (s.share * 100).toFixed(1).padStart(5), s.ms.toFixed(0).padStart(6), s.name);
  for (const s of r[m].files) console.log('  f', (s.share * 100).toFixed(1).padStart(5), s.name);
  for (const s of r[m].functions) console.log('  fn', (s.share * 100).toFixed(1).padStart(5), s.name);
}
for (const m of r.micro) console.log(m.name, m.microsPerCall.median.toFixed(1));

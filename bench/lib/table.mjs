// Turns raw workload results into the bench table: each Parley figure next to its target and,
// where the issue sets one, its ratio to the baselines measured in the same run.

const n = (value) => (typeof value === 'number' ? Math.round(value).toLocaleString('en-US') : '–');
const ms = (value) => (typeof value === 'number' ? `${value} ms` : '–');
const ratio = (value, base) => (typeof value === 'number' && base > 0 ? `${(value / base).toFixed(2)}×` : '–');
const verdict = (ok) => (ok === undefined ? '' : ok ? 'met' : 'MISSED');
/** "throughput ratio / ratio per server CPU second", both against the same baseline. */
const ratios = (r, base, key) => (base ? `${ratio(r?.[key], base[key])} / ${ratio(r?.[`${key}PerCpu`], base[`${key}PerCpu`])}` : '–');
/** A result's throughput and throughput per server CPU second under one key, so `ratios` can compare. */
const w1Figures = (r) => r && !r.error && !r.skipped ? { msgs: r.peak.msgsPerSec, msgsPerCpu: r.peak.msgsPerServerCpuSec } : undefined;
const w2Figures = (r) => r && !r.error && !r.skipped ? { msgs: r.deliveriesPerSec, msgsPerCpu: r.deliveriesPerServerCpuSec } : undefined;
const cpuNote = (perCpu, share) => `${n(perCpu)} per server CPU-s, server CPU share ${share}`;

/** Markdown table rows: [workload, system, figure, value, vs B2, vs B1, target, met]. */
export function evaluate(results) {
  const rows = [];
  const row = (...cells) => rows.push(cells);
  const failed = (r) => !r || r.error || r.skipped;
  const w1 = results.W1;
  if (w1) {
    const b2 = w1Figures(w1.B2);
    const b1 = w1Figures(w1.B1);
    for (const [name, label] of [['B1', 'B1 ws'], ['B2', 'B2 socket.io'], ['B4', 'B4 2 nodes + Redis']]) {
      const r = w1[name];
      if (failed(r)) row('W1 1:1 + ACK', label, 'msgs/s', r?.error ?? r?.skipped ?? 'not run', '', '', '', '');
      else row('W1 1:1 + ACK', label, 'msgs/s (peak); ack p50 / p99 at half peak', `${n(r.peak.msgsPerSec)} (${cpuNote(r.peak.msgsPerServerCpuSec, r.peak.serverCpuShare)}); ${ms(r.half.ack.p50)} / ${ms(r.half.ack.p99)}`, ratios(w1Figures(r), b2, 'msgs'), ratios(w1Figures(r), b1, 'msgs'), '', '');
    }
    for (const [name, goal] of [['memory', 0.8], ['sqlite', 0.6]]) {
      const r = w1[name];
      if (failed(r)) {
        row('W1 1:1 + ACK', `Parley ${name}`, 'msgs/s', r?.error ?? 'not run', '', '', '', '');
        continue;
      }
      // Judged per server CPU second: on a shared machine the raw rate mostly measures the neighbours.
      const perCpu = b2 ? r.peak.msgsPerServerCpuSec / b2.msgsPerCpu : undefined;
      row('W1 1:1 + ACK', `Parley ${name}`, 'msgs/s (peak)', `${n(r.peak.msgsPerSec)} (${cpuNote(r.peak.msgsPerServerCpuSec, r.peak.serverCpuShare)})`, ratios(w1Figures(r), b2, 'msgs'), ratios(w1Figures(r), b1, 'msgs'), `≥ ${goal}× B2`, verdict(perCpu === undefined ? undefined : perCpu >= goal));
      row('W1 1:1 + ACK', `Parley ${name}`, `ack p50 / p99 at half peak (${n(r.half.offeredPerSec)}/s offered)`, `${ms(r.half.ack.p50)} / ${ms(r.half.ack.p99)}`, '', '', 'p99 ≤ 5 ms', verdict(r.half.ack.p99 <= 5));
    }
  }
  const w2 = results.W2;
  if (w2) {
    const b2 = w2Figures(w2.B2);
    const b1 = w2Figures(w2.B1);
    for (const [name, label] of [['B1', 'B1 ws'], ['B2', 'B2 socket.io'], ['B4', 'B4 2 nodes + Redis'], ['memory', 'Parley memory'], ['sqlite', 'Parley sqlite']]) {
      const r = w2[name];
      if (failed(r)) {
        row('W2 fan-out 1,000', label, 'deliveries/s', r?.error ?? r?.skipped ?? 'not run', '', '', '', '');
        continue;
      }
      const parley = name === 'memory' || name === 'sqlite';
      const perCpu = b2 ? r.deliveriesPerServerCpuSec / b2.msgsPerCpu : 0;
      row('W2 fan-out 1,000', label, 'deliveries/s', `${n(r.deliveriesPerSec)} (${cpuNote(r.deliveriesPerServerCpuSec, r.serverCpuShare)})`, ratios(w2Figures(r), b2, 'msgs'), ratios(w2Figures(r), b1, 'msgs'), parley ? '≥ 100k/s, ≥ 0.9× B2' : '', parley ? verdict(r.deliveriesPerSec >= 100_000 && perCpu >= 0.9) : '');
      row('W2 fan-out 1,000', label, 'send→receive p50 / p99', `${ms(r.latency.p50)} / ${ms(r.latency.p99)}`, '', '', parley ? 'p99 ≤ 100 ms' : '', parley ? verdict(r.latency.p99 <= 100) : '');
    }
  }
  const w3 = results.W3;
  if (w3) {
    for (const [name, label] of [['B2', 'B2 socket.io'], ['memory', 'Parley memory']]) {
      const r = w3[name];
      if (failed(r)) {
        row('W3 idle', label, 'connections', r?.error ?? 'not run', '', '', '', '');
        continue;
      }
      const parley = name === 'memory';
      const b2 = w3.B2;
      row('W3 idle', label, `heap / RSS per connection (${n(r.connections)} open)`, `${r.heapPerConnKB} KB / ${r.rssPerConnKB} KB`, parley && b2?.heapPerConnKB ? ratio(r.heapPerConnKB, b2.heapPerConnKB) : '', '', parley ? '≤ 12 KB heap' : '', parley ? verdict(r.heapPerConnKB <= 12) : '');
      row('W3 idle', label, 'handshakes/s', n(r.handshakesPerSec), parley && b2?.handshakesPerSec ? ratio(r.handshakesPerSec, b2.handshakesPerSec) : '', '', parley ? '≥ 1,000/s' : '', parley ? verdict(r.handshakesPerSec >= 1000) : '');
    }
  }
  const w4 = results.W4;
  if (w4) {
    for (const name of ['memory', 'sqlite']) {
      const r = w4[name];
      if (failed(r)) {
        row('W4 resync', `Parley ${name}`, 'converge', r?.error ?? 'not run', '', '', '', '');
        continue;
      }
      row('W4 resync', `Parley ${name}`, `1 client × ${n(r.single.missed)} missed: median / max`, `${ms(r.single.medianMs)} / ${ms(r.single.maxMs)}`, '', '', '< 100 ms', verdict(r.single.complete && r.single.medianMs < 100));
      row('W4 resync', `Parley ${name}`, `${n(r.many.clients)} clients × ${r.many.missedEach} missed: all converged, delivered`, `${ms(r.many.convergeMs)}, ${r.many.deliveredPct}%`, '', '', '< 2 s, 100%', verdict(r.many.convergeMs < 2000 && r.many.deliveredPct === 100));
    }
  }
  const w5 = results.W5;
  if (w5) {
    const one = w5.sqlite;
    for (const [name, label] of [['sqlite', 'Parley sqlite, 1 node'], ['sqlite2', 'Parley sqlite, 2 nodes + Redis']]) {
      const r = w5[name];
      if (failed(r)) {
        row('W5 cross-node', label, 'deliveries/s', r?.error ?? r?.skipped ?? 'not run', '', '', '', '');
        continue;
      }
      const cross = name === 'sqlite2' && !failed(one);
      // Like the other ratios, judged per server CPU second (both nodes summed; Redis not counted).
      const perCpu = cross ? r.peak.deliveriesPerServerCpuSec / one.peak.deliveriesPerServerCpuSec : undefined;
      const added = cross ? Math.round((r.fixed.latency.p99 - one.fixed.latency.p99) * 1000) / 1000 : undefined;
      const vsOne = cross ? `vs 1 node: ${ratio(r.peak.deliveriesPerSec, one.peak.deliveriesPerSec)} / ${ratio(r.peak.deliveriesPerServerCpuSec, one.peak.deliveriesPerServerCpuSec)}` : '';
      row('W5 cross-node', label, 'deliveries/s (peak)', `${n(r.peak.deliveriesPerSec)} (${cpuNote(r.peak.deliveriesPerServerCpuSec, r.peak.serverCpuShare)})`, vsOne, '', cross ? '≥ 0.7× 1 node' : '', verdict(perCpu === undefined ? undefined : perCpu >= 0.7));
      const addedNote = cross ? `; added ${ms(Math.round((r.fixed.latency.p50 - one.fixed.latency.p50) * 1000) / 1000)} / ${ms(added)}` : '';
      row('W5 cross-node', label, `send→receive p50 / p99 at ${n(r.fixed.offeredPerSec)}/s`, `${ms(r.fixed.latency.p50)} / ${ms(r.fixed.latency.p99)}${addedNote}`, '', '', cross ? 'added p99 ≤ 5 ms' : '', verdict(added === undefined ? undefined : added <= 5));
    }
  }
  const w6 = results.W6;
  if (w6) {
    const kb = (b) => `${(b / 1024).toFixed(1)} KB`;
    // RICH against PLAIN of the same run; judged on both the time and the server CPU.
    const within = (...ratios) => ratios.every((x) => x <= 2);
    for (const name of ['memory', 'sqlite']) {
      const r = w6[name];
      if (failed(r)) {
        row('W6 message model', `Parley ${name}`, 'history, cold resync', r?.error ?? 'not run', '', '', '', '');
        continue;
      }
      const { plain: hp, rich: hr, ratio: h } = r.history;
      row('W6 message model', `Parley ${name}`, `history page of ${r.history.pageSize}, plain → rich: p50, server CPU, bytes`, `${ms(hp.msP50)} → ${ms(hr.msP50)}, ${ms(hp.cpuMsPerPage)} → ${ms(hr.cpuMsPerPage)}, ${kb(hp.bytesPerPage)} → ${kb(hr.bytesPerPage)}; rich/plain ${h.msP50}× / ${h.cpuMsPerPage}× / ${h.bytesPerPage}×`, '', '', '≤ 2× plain', verdict(within(h.msP50, h.cpuMsPerPage)));
      const { plain: cp, rich: cr, ratio: c } = r.cold;
      row('W6 message model', `Parley ${name}`, 'cold resync (sync + 3 pages), plain → rich: median, server CPU, bytes', `${ms(cp.ms)} → ${ms(cr.ms)}, ${ms(cp.cpuMs)} → ${ms(cr.cpuMs)}, ${kb(cp.syncBytes + cp.historyBytes)} → ${kb(cr.syncBytes + cr.historyBytes)}; rich/plain ${c.ms}× / ${c.cpuMs}×`, '', '', '≤ 2× plain', verdict(within(c.ms, c.cpuMs)));
    }
  }
  const header = ['workload', 'system', 'figure', 'value', 'vs B2 (rate / per CPU-s)', 'vs B1', 'target', ''];
  return [header, header.map(() => '---'), ...rows].map((cells) => `| ${cells.join(' | ')} |`).join('\n');
}

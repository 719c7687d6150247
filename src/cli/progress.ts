/**
 * A progress bar on stderr. On a terminal it redraws one line (at most ~10 times a second);
 * elsewhere (CI logs, pipes) it prints a line at each 25% of work that runs longer than two seconds,
 * so logs stay short. The final line always prints, unless `quiet`.
 */
export interface Progress {
  update(done: number, total?: number, note?: string): void;
  finish(note?: string): void;
}

/** The terminal stream whose last line is an unfinished bar, if any: an error must start on a line of its own. */
let openBar: NodeJS.WriteStream | undefined;

/** Ends an unfinished progress bar line, so a message printed next starts on a new line. */
export function breakProgressLine(): void {
  openBar?.write('\n');
  openBar = undefined;
}

export function progress(label: string, total = 0, o: { quiet?: boolean; stream?: NodeJS.WriteStream } = {}): Progress {
  const out = o.stream ?? process.stderr;
  const tty = Boolean(out.isTTY);
  const start = performance.now();
  let last = 0;
  let lastQuarter = -1;
  let t = total;
  const fmt = (done: number, note?: string) => {
    const secs = (performance.now() - start) / 1000;
    const frac = t > 0 ? Math.min(1, done / t) : 0;
    const width = 24;
    const bar = t > 0 ? `[${'#'.repeat(Math.round(frac * width)).padEnd(width, '.')}] ${(frac * 100).toFixed(0).padStart(3)}%` : `${done}`;
    const eta = t > 0 && frac > 0.02 && frac < 1 ? ` eta ${((secs / frac) * (1 - frac)).toFixed(0)}s` : '';
    return `${label} ${bar} ${secs.toFixed(1)}s${eta}${note ? `  ${note}` : ''}`;
  };
  return {
    update(done, newTotal, note) {
      if (o.quiet) return;
      if (newTotal !== undefined) t = newTotal;
      const now = performance.now();
      if (tty) {
        if (now - last < 100) return;
        last = now;
        out.write(`\r${fmt(done, note)}\x1b[K`);
        openBar = out;
      } else if (t > 0 && now - start > 2000) {
        const q = Math.floor((done / t) * 4);
        if (q > lastQuarter && q < 4) { lastQuarter = q; out.write(`${fmt(done, note)}\n`); }
      }
    },
    finish(note) {
      if (o.quiet) return;
      const secs = ((performance.now() - start) / 1000).toFixed(1);
      const line = `${label} done ${secs}s${note ? `  ${note}` : ''}`;
      out.write(tty ? `\r${line}\x1b[K\n` : `${line}\n`);
      if (openBar === out) openBar = undefined;
    },
  };
}

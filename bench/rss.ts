import fs from 'node:fs';

/** Resident memory of a process tree, sampled from /proc (Linux): the root process and its Spark descendants. */
export interface RssPeaks {
  /** The root process's own peak (VmHWM), bytes. */
  worker: number;
  /** Largest sum of the Spark processes' resident memory (the JVM and its Python workers) in one sample, bytes. */
  spark: number;
}

function readStatus(pid: number): { name: string; rss: number; hwm: number } | undefined {
  try {
    const text = fs.readFileSync(`/proc/${pid}/status`, 'utf8');
    const kb = (key: string) => Number(new RegExp(`^${key}:\\s+(\\d+) kB`, 'm').exec(text)?.[1] ?? 0) * 1024;
    return { name: /^Name:\s+(.*)$/m.exec(text)?.[1] ?? '', rss: kb('VmRSS'), hwm: kb('VmHWM') };
  } catch {
    return undefined; // exited between the listing and the read
  }
}

function parentOf(pid: number): number | undefined {
  try {
    // comm may hold spaces and parentheses: the fields after the last ')' are fixed.
    const stat = fs.readFileSync(`/proc/${pid}/stat`, 'utf8');
    return Number(stat.slice(stat.lastIndexOf(')') + 2).split(' ')[1]);
  } catch {
    return undefined;
  }
}

function descendants(root: number): number[] {
  const children = new Map<number, number[]>();
  for (const entry of fs.readdirSync('/proc')) {
    if (!/^\d+$/.test(entry)) continue;
    const pid = Number(entry);
    const parent = parentOf(pid);
    if (parent !== undefined) children.set(parent, [...(children.get(parent) ?? []), pid]);
  }
  const out: number[] = [];
  const queue = [...(children.get(root) ?? [])];
  while (queue.length) {
    const pid = queue.shift()!;
    out.push(pid);
    queue.push(...(children.get(pid) ?? []));
  }
  return out;
}

/**
 * Samples every `intervalMs` until stopped. Spark = every `java` or `python*` descendant of the root (spark-submit's
 * JVM and the Python processes it forks); the peak is the largest sum seen in one sample, so a peak shorter than the
 * interval can be missed (the root's own VmHWM cannot: the kernel keeps it).
 */
export class RssSampler {
  private peaks: RssPeaks = { worker: 0, spark: 0 };
  private last: RssPeaks = { worker: 0, spark: 0 };
  private readonly timer: NodeJS.Timeout;

  constructor(
    private readonly root: number,
    intervalMs = 200,
  ) {
    this.timer = setInterval(() => this.sample(), intervalMs);
    this.timer.unref();
  }

  private sample(): void {
    const own = readStatus(this.root);
    let spark = 0;
    for (const pid of descendants(this.root)) {
      const s = readStatus(pid);
      if (s && (s.name === 'java' || s.name.startsWith('python'))) spark += s.rss;
    }
    this.last = { worker: own?.rss ?? 0, spark };
    this.peaks = { worker: Math.max(this.peaks.worker, own?.hwm ?? 0), spark: Math.max(this.peaks.spark, spark) };
  }

  current(): RssPeaks {
    return this.last;
  }

  /** Takes a last sample and stops; returns the peaks. Safe to call twice. */
  stop(): RssPeaks {
    clearInterval(this.timer);
    this.sample();
    return this.peaks;
  }
}

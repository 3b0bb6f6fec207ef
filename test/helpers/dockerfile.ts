import { execFileSync } from 'node:child_process';
import fs from 'node:fs';
import path from 'node:path';

/** One instruction of a Dockerfile: keyword, flags (`--from=deps`) and arguments. */
export interface Instruction {
  line: number;
  keyword: string;
  flags: Record<string, string>;
  /** Exec form (`["a","b"]`) parsed as JSON; shell form as one string in a one-element array. */
  args: string[];
  execForm: boolean;
}

export interface Stage {
  name?: string;
  from: string;
  instructions: Instruction[];
}

/**
 * A small Dockerfile parser: comments, line continuations, `--flag=value` flags, exec (JSON) and shell forms. Enough
 * for infra/docker/Dockerfile; anything it does not know (ARG, heredocs, ONBUILD) is refused, so the checks below
 * never silently skip an instruction.
 */
export function parseDockerfile(text: string): Stage[] {
  const logical: { line: number; text: string }[] = [];
  let current: { line: number; text: string } | undefined;
  text.split('\n').forEach((raw, i) => {
    const trimmed = raw.trim();
    if (current === undefined && (trimmed === '' || trimmed.startsWith('#'))) return;
    if (current !== undefined && trimmed.startsWith('#')) return;
    const continued = trimmed.endsWith('\\');
    const part = continued ? trimmed.slice(0, -1) : trimmed;
    current = current ? { line: current.line, text: `${current.text} ${part}` } : { line: i + 1, text: part };
    if (!continued) {
      logical.push(current);
      current = undefined;
    }
  });
  if (current) throw new Error(`line ${current.line}: continuation at end of file`);
  const known = new Set(['FROM', 'WORKDIR', 'COPY', 'RUN', 'ENV', 'USER', 'EXPOSE', 'ENTRYPOINT', 'CMD']);
  const stages: Stage[] = [];
  for (const { line, text: t } of logical) {
    const m = /^(\S+)\s*(.*)$/.exec(t);
    if (!m) throw new Error(`line ${line}: cannot parse ${t}`);
    const keyword = (m[1] ?? '').toUpperCase();
    if (!known.has(keyword)) throw new Error(`line ${line}: instruction ${keyword} is not handled by the checks`);
    let rest = (m[2] ?? '').trim();
    const flags: Record<string, string> = {};
    for (let f = /^--([a-z-]+)=(\S+)\s*/.exec(rest); f; f = /^--([a-z-]+)=(\S+)\s*/.exec(rest)) {
      flags[f[1] ?? ''] = f[2] ?? '';
      rest = rest.slice(f[0].length);
    }
    const execForm = rest.startsWith('[');
    const args = execForm ? (JSON.parse(rest) as string[]) : keyword === 'RUN' ? [rest] : rest.split(/\s+/);
    const instruction: Instruction = { line, keyword, flags, args, execForm };
    if (keyword === 'FROM') {
      const [from, as, name] = args;
      if (from === undefined) throw new Error(`line ${line}: FROM without an image`);
      if (as !== undefined && as.toUpperCase() !== 'AS') throw new Error(`line ${line}: FROM image AS name`);
      stages.push({ from, name, instructions: [] });
    } else {
      if (stages.length === 0) throw new Error(`line ${line}: ${keyword} before FROM`);
      stages.at(-1)?.instructions.push(instruction);
    }
  }
  return stages;
}

/** `ENV A=1 B=2` as pairs (values may be quoted). */
export function envPairs(args: string[]): [string, string][] {
  return args.map((a) => {
    const eq = a.indexOf('=');
    if (eq <= 0) throw new Error(`ENV ${a}: expected KEY=VALUE`);
    return [a.slice(0, eq), a.slice(eq + 1).replace(/^"(.*)"$/, '$1')];
  });
}

/** Copies the files git tracks (their working-tree content) to `dir`: the build context of a clean checkout. */
export function stageTrackedFiles(repo: string, dir: string): void {
  const files = execFileSync('git', ['ls-files', '-z'], { cwd: repo, encoding: 'utf8' }).split('\0').filter(Boolean);
  for (const f of files) {
    const from = path.join(repo, f);
    const stat = fs.lstatSync(from, { throwIfNoEntry: false });
    if (!stat || stat.isDirectory()) continue; // deleted in the working tree, or a submodule
    fs.mkdirSync(path.dirname(path.join(dir, f)), { recursive: true });
    fs.cpSync(from, path.join(dir, f), { verbatimSymlinks: true });
  }
}

export interface BuiltImage {
  /** Where the last stage's root filesystem is (image path `/x` is `${root}/x`). */
  root: string;
  workdir: string;
  env: Record<string, string>;
  user?: string;
  command: string[];
}

/**
 * Emulates `docker build` without an engine: every stage gets a directory standing for its filesystem (an empty one
 * for a base image: the base image's tools are the host's, here Node 20 and sh), COPY copies from the context or an
 * earlier stage, RUN runs its shell command there with the stage's ENV, WORKDIR maps `/app` into the directory.
 */
export function buildImage(
  stages: Stage[],
  context: string,
  out: string,
  options: { env?: Record<string, string>; log?: (line: string) => void } = {},
): BuiltImage {
  const roots = new Map<string, string>();
  let last: BuiltImage | undefined;
  stages.forEach((stage, i) => {
    const root = path.join(out, `stage-${i}`);
    const parent = roots.get(stage.from);
    // Hard links: node_modules is copied three times otherwise (a stage's RUN steps only add files here).
    if (parent) execFileSync('cp', ['-al', parent, root]);
    else fs.mkdirSync(root, { recursive: true });
    const inside = (p: string, workdir: string) =>
      path.join(root, path.posix.isAbsolute(p) ? p : path.posix.join(workdir, p));
    const image: BuiltImage =
      parent && last ? { ...last, root, env: { ...last.env } } : { root, workdir: '/', env: {}, command: [] };
    let entrypoint: string[] = [];
    let cmd: string[] = [];
    for (const ins of stage.instructions) {
      switch (ins.keyword) {
        case 'WORKDIR':
          image.workdir = path.posix.resolve(image.workdir, ins.args[0] ?? '.');
          fs.mkdirSync(inside(image.workdir, '/'), { recursive: true });
          break;
        case 'ENV':
          for (const [k, v] of envPairs(ins.args)) image.env[k] = v;
          break;
        case 'USER':
          image.user = ins.args[0] ?? '';
          break;
        case 'EXPOSE':
          break;
        case 'ENTRYPOINT':
          entrypoint = ins.args;
          break;
        case 'CMD':
          cmd = ins.args;
          break;
        case 'COPY': {
          const sources = ins.args.slice(0, -1);
          const dest = ins.args.at(-1);
          if (dest === undefined || sources.length === 0) throw new Error(`line ${ins.line}: COPY src... dest`);
          const fromStage = ins.flags.from;
          const fromRoot = fromStage === undefined ? undefined : roots.get(fromStage);
          if (fromStage !== undefined && !fromRoot) throw new Error(`line ${ins.line}: no stage named ${fromStage}`);
          for (const src of sources) {
            const from = fromRoot ? path.join(fromRoot, src) : path.join(context, src);
            if (!fs.existsSync(from)) throw new Error(`line ${ins.line}: COPY source ${src} does not exist`);
            const toDir = dest.endsWith('/') || sources.length > 1;
            const to = toDir ? path.join(inside(dest, image.workdir), path.basename(src)) : inside(dest, image.workdir);
            fs.mkdirSync(path.dirname(to), { recursive: true });
            if (fromRoot) execFileSync('cp', ['-al', '-T', from, to]);
            else fs.cpSync(from, to, { recursive: true, verbatimSymlinks: true });
          }
          break;
        }
        case 'RUN': {
          options.log?.(`RUN ${ins.args.join(' ')}`);
          execFileSync('sh', ['-ec', ins.args[0] ?? ''], {
            cwd: inside(image.workdir, '/'),
            env: { ...process.env, ...options.env, ...image.env },
            stdio: ['ignore', 'pipe', 'pipe'],
          });
          break;
        }
      }
    }
    if (entrypoint.length || cmd.length) image.command = [...entrypoint, ...cmd];
    if (stage.name) roots.set(stage.name, root);
    last = image;
  });
  if (!last) throw new Error('no stage');
  return last;
}

import { readFileSync } from 'node:fs';
import { debugDetails, describeFailure, type FailureContext } from './failure.ts';
import { defaultDb } from './commands/paths.ts';
import { breakProgressLine } from './progress.ts';

export interface Command {
  summary: string;
  usage: string;
  run(argv: string[]): Promise<number>;
}

const commands: Record<string, () => Promise<Command>> = {
  import: async () => (await import('./commands/import.ts')).importCommand,
  train: async () => (await import('./commands/train.ts')).trainCommand,
  evaluate: async () => (await import('./commands/evaluate.ts')).evaluateCommand,
  recommend: async () => (await import('./commands/recommend.ts')).recommendCommand,
  similar: async () => (await import('./commands/recommend.ts')).similarCommand,
  related: async () => (await import('./commands/recommend.ts')).relatedCommand,
  'bought-together': async () => (await import('./commands/recommend.ts')).boughtTogetherCommand,
  trending: async () => (await import('./commands/recommend.ts')).trendingCommand,
  popular: async () => (await import('./commands/recommend.ts')).popularCommand,
  'new-arrivals': async () => (await import('./commands/recommend.ts')).newArrivalsCommand,
  'also-viewed': async () => (await import('./commands/recommend.ts')).alsoViewedCommand,
  continue: async () => (await import('./commands/recommend.ts')).continueCommand,
  explain: async () => (await import('./commands/explain.ts')).explainCommand,
  generate: async () => (await import('./commands/generate.ts')).generateCommand,
  stats: async () => (await import('./commands/stats.ts')).statsCommand,
  demo: async () => (await import('./commands/demo.ts')).demoCommand,
  serve: async () => (await import('./commands/serve.ts')).serveCommand,
  keys: async () => (await import('./commands/keys.ts')).keysCommand,
  sentiment: async () => (await import('./commands/sentiment.ts')).sentimentCommand,
  ask: async () => (await import('./commands/ask.ts')).askCommand,
  search: async () => (await import('./commands/search.ts')).searchCommand,
};

/**
 * One-line summaries for `curio --help`, so that listing the commands loads none of them (each command's
 * own `summary` is the source; main.test.ts keeps the two equal). A command missing here is loaded for it.
 */
const summaries: Record<string, string> = {
  import: 'import a data set or file into the store (one transaction; re-importing changes nothing)',
  train: 'fit a model on the store and save it to a model file',
  evaluate: 'split, (tune,) train and evaluate models with full ranking; prints a table, writes JSON and Markdown reports',
  recommend: 'top-k items for a user (a user unseen in training is folded in from the store or --history)',
  similar: 'items related to an item (the same as related)',
  related: 'items related to an item: model similarity blended with co-occurrence',
  'bought-together': 'frequently bought together with an item or a basket (falls back to related, then popular)',
  'also-viewed': 'items viewed in the same sessions as an item',
  continue: "a user's recently interacted items, to pick up again",
  explain: 'why the model scores an item for a user: the history items behind the score, exact where the model allows',
  trending: 'items whose event rate rose most in the window (default 7d) against their baseline',
  popular: 'most interacted-with items, over a window or all time',
  'new-arrivals': 'newest items by their timestamp',
  generate: 'write synthetic interaction data (long-tail popularity, user tastes, item texts) as CSV',
  stats: 'what the store holds: users, items, interactions by type, past imports',
  demo: 'the whole job on a bundled shop data set: import, evaluate six models, recommend',
  serve: 'the HTTP API: recommendations, events, items, users, model reloads (API keys: curio keys)',
  keys: 'API keys for curio serve: create (prints the key once), list, revoke',
  sentiment: 'sentiment of review text: a score in [-1, 1], positive/negative/neutral and a confidence',
  ask: 'a request in plain words ("a funny animated movie for kids, not a musical"): constraints, then the best items',
  search: 'search item text (BM25 + text vectors, fused), personalised by the model with --user',
};

async function help(): Promise<string> {
  const lines = ['curio — recommendations for Node.js', '', 'Usage: curio <command> [options]', ''];
  const width = Math.max(...Object.keys(commands).map((n) => n.length));
  for (const [name, load] of Object.entries(commands)) lines.push(`  ${name.padEnd(width)}  ${summaries[name] ?? (await load()).summary}`);
  lines.push(
    '',
    'Run `curio <command> --help` for the options of one command.',
    'The store defaults to ./curio.db (or $CURIO_DB); pass --db to choose another.',
    'Global options: --version, --help, --debug (print the stack trace of a failure).',
  );
  return lines.join('\n');
}

/** The package version and which kernels this install runs: the answer to "why is training slow here?". */
async function version(): Promise<string> {
  const pkg = JSON.parse(readFileSync(new URL('../../package.json', import.meta.url), 'utf8')) as { version: string };
  const { nativeAddon } = await import('../linalg/native.ts');
  const native = nativeAddon();
  const kernels = native
    ? `native C++ (${native.alsIsa}, OpenMP) for iALS, BPR, factor scoring and EASE`
    : process.env.CURIO_NATIVE === '0'
      ? 'TypeScript (CURIO_NATIVE=0)'
      : 'TypeScript (the native addon is not built: with a C++ compiler, `npm rebuild` in the curio package builds it)';
  return `curio ${pkg.version}
kernels: ${kernels}`;
}

/** The value of `--name VALUE` or `--name=VALUE` on a command line, to name files in error messages. */
function flagValue(argv: string[], name: string): string | undefined {
  for (let i = 0; i < argv.length; i++) {
    if (argv[i] === name && argv[i + 1] !== undefined) return argv[i + 1]!;
    if (argv[i]!.startsWith(`${name}=`)) return argv[i]!.slice(name.length + 1);
  }
  return undefined;
}

/** What the last `main` call runs, for failures that surface outside its awaited chain. */
let running: FailureContext & { debug: boolean } | undefined;

function report(e: unknown, ctx: FailureContext & { debug: boolean }): number {
  breakProgressLine();
  const f = describeFailure(e, ctx);
  console.error(f.line);
  if (ctx.debug) console.error(debugDetails(e));
  return f.exitCode;
}

/**
 * Runs the CLI; returns the process exit code. Every failure, whatever threw it, prints one line
 * (see failure.ts); `--debug` (anywhere on the command line, or CURIO_DEBUG=1) adds the stack trace.
 */
export async function main(argv: string[]): Promise<number> {
  const debug = argv.includes('--debug') || process.env.CURIO_DEBUG === '1';
  argv = argv.filter((a) => a !== '--debug');
  const [name, ...rest] = argv;
  const known = name !== undefined && Object.hasOwn(commands, name);
  const ctx = { command: known ? name : undefined, db: flagValue(rest, '--db') ?? defaultDb(), config: flagValue(rest, '--config'), debug };
  if (!running) {
    // Failures outside the awaited chain (an 'error' event nobody listens to, a stray rejection, also
    // after main returned) end the process the same way, instead of as Node's own trace.
    const uncaught = (e: unknown) => process.exit(report(e, running!));
    process.on('uncaughtException', uncaught);
    process.on('unhandledRejection', uncaught);
  }
  running = ctx;
  try {
    if (!name || name === '--help' || name === '-h' || name === 'help') {
      console.log(await help());
      return name ? 0 : 1;
    }
    if (name === '--version' || name === '-v') {
      console.log(await version());
      return 0;
    }
    const load = known ? commands[name] : undefined;
    if (!load && name.startsWith('-')) {
      console.error(`curio: ${name}: unknown option; the global options are --help, --version, --debug (a command's own options follow it: curio <command> --help)`);
      return 2;
    }
    if (!load) {
      console.error(`curio: unknown command "${name}"; the commands are ${Object.keys(commands).join(', ')} (curio --help)`);
      return 2;
    }
    const cmd = await load();
    if (rest.includes('--help') || rest.includes('-h')) {
      console.log(`${cmd.summary}\n\n${cmd.usage}`);
      return 0;
    }
    return await cmd.run(rest);
  } catch (e) {
    return report(e, ctx);
  }
}

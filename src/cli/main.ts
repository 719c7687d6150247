import { readFileSync } from 'node:fs';
import { CurioError } from '../errors.ts';

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
  generate: async () => (await import('./commands/generate.ts')).generateCommand,
  stats: async () => (await import('./commands/stats.ts')).statsCommand,
  demo: async () => (await import('./commands/demo.ts')).demoCommand,
};

async function help(): Promise<string> {
  const lines = ['curio — recommendations for Node.js', '', 'Usage: curio <command> [options]', ''];
  for (const [name, load] of Object.entries(commands)) lines.push(`  ${name.padEnd(10)} ${(await load()).summary}`);
  lines.push('', 'Run `curio <command> --help` for the options of one command.', 'The store defaults to ./curio.db (or $CURIO_DB); pass --db to choose another.');
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

/** Runs the CLI; returns the process exit code. Errors Curio raises on purpose print one clear line. */
export async function main(argv: string[]): Promise<number> {
  const [name, ...rest] = argv;
  if (!name || name === '--help' || name === '-h' || name === 'help') {
    console.log(await help());
    return name ? 0 : 1;
  }
  if (name === '--version' || name === '-v') {
    console.log(await version());
    return 0;
  }
  const load = commands[name];
  if (!load) {
    console.error(`curio: unknown command "${name}"\n\n${await help()}`);
    return 2;
  }
  const cmd = await load();
  if (rest.includes('--help') || rest.includes('-h')) {
    console.log(`${cmd.summary}\n\n${cmd.usage}`);
    return 0;
  }
  try {
    return await cmd.run(rest);
  } catch (e) {
    if (e instanceof CurioError) {
      console.error(`curio ${name}: ${e.message}`);
      return 1;
    }
    throw e;
  }
}

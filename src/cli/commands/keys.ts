import type { Command } from '../main.ts';
import { parse } from '../args.ts';
import { ConfigError } from '../../errors.ts';
import { openStore } from '../../store/registry.ts';
import { defaultDb } from './paths.ts';

export const keysCommand: Command = {
  summary: 'API keys for curio serve: create (prints the key once), list, revoke',
  usage: `curio keys create --scope read|write|admin [--name TEXT] [--db curio.db] [--json]
curio keys list [--db curio.db] [--json]
curio keys revoke ID [--db curio.db]

Scopes: read (recommendations, items, model info) < write (also events, items, users) < admin (also user deletion
and export, model reload). The key is printed once; the store keeps only a salted scrypt hash of it. A running
server refuses a revoked key on its next request.`,
  async run(argv) {
    const { values: v, positionals } = parse(argv, {
      db: { type: 'string' }, scope: { type: 'string' }, name: { type: 'string' }, json: { type: 'boolean' },
    }, 'keys');
    const [action, ...rest] = positionals;
    const { ApiKeys, SCOPES } = await import('../../serve/keys.ts');
    if (action !== 'create' && action !== 'list' && action !== 'revoke') {
      throw new ConfigError('keys', `${action ? `unknown action "${action}"` : 'no action given'}; use curio keys create --scope read, curio keys list or curio keys revoke ID`);
    }
    if (action === 'create' && !SCOPES.includes(v.scope as never)) {
      throw new ConfigError('--scope', `${v.scope === undefined ? 'missing' : `"${v.scope}" is not a scope`}; use one of ${SCOPES.join(', ')}`);
    }
    if (action === 'revoke' && rest.length !== 1) throw new ConfigError('keys revoke', 'give the id of one key (curio keys list shows them)');
    const store = await openStore(v.db ?? defaultDb());
    try {
      const keys = new ApiKeys(store);
      if (action === 'create') {
        const k = await keys.create(v.scope as (typeof SCOPES)[number], v.name);
        if (v.json) console.log(JSON.stringify(k));
        else console.log(`${k.key}\n\nkey ${k.id}, scope ${k.scope}: store it now, it is not shown again (send it as "Authorization: Bearer <key>")`);
      } else if (action === 'list') {
        const all = await keys.list();
        if (v.json) console.log(JSON.stringify(all));
        else if (!all.length) console.log('no API keys; create one with curio keys create --scope read');
        for (const k of v.json ? [] : all) {
          console.log(`${k.id}  ${k.scope.padEnd(5)}  created ${new Date(k.createdAt).toISOString()}${k.revokedAt ? `  revoked ${new Date(k.revokedAt).toISOString()}` : ''}${k.name ? `  ${k.name}` : ''}`);
        }
      } else {
        if (!(await keys.revoke(rest[0]!))) throw new ConfigError('keys revoke', `no key "${rest[0]}" in ${store.url}; curio keys list shows the ids`);
        console.log(`revoked ${rest[0]}`);
      }
    } finally {
      await store.close();
    }
    return 0;
  },
};

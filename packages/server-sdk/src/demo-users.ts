import { readFile } from 'node:fs/promises';
import * as v from 'valibot';
import { UserProfile } from '@parley/protocol';
import type { UserDirectory } from './server/profiles.js';

/**
 * The reference server's user directory, so the example web chat shows names and a people
 * picker without an app behind it: the users of a JSON file (`PARLEY_USERS`), or a built-in demo
 * list. A real app passes its own `users` to `createChatServer`.
 */

const BUILT_IN: readonly UserProfile[] = ['alice', 'bob', 'carol', 'dave', 'erin', 'frank', 'grace', 'heidi', 'ivan', 'judy'].map((id) => ({
  id,
  name: id[0]!.toUpperCase() + id.slice(1),
}));

const UsersFile = v.array(UserProfile);

/** Reads a `[{ "id", "name", "image"? }]` file; a file that is not such a list stops the server with the reason. */
export async function loadUsersFile(path: string): Promise<UserProfile[]> {
  let json: unknown;
  try {
    json = JSON.parse(await readFile(path, 'utf8'));
  } catch (err) {
    throw new Error(`PARLEY_USERS: cannot read ${path} as JSON: ${err instanceof Error ? err.message : String(err)}`);
  }
  const parsed = v.safeParse(UsersFile, json);
  if (!parsed.success) {
    const issue = parsed.issues[0];
    const where = issue.path?.map((p) => String(p.key)).join('.');
    throw new Error(`PARLEY_USERS: ${path} must be a list of { "id", "name", "image"? }: ${where ? `${where}: ` : ''}${issue.message}`);
  }
  return parsed.output;
}

/**
 * A directory over a fixed list. With `users` (a file's), ids not in it are unknown (left out,
 * as an app's directory would); without, the built-in demo people, and any other id is shown by
 * its id (`{ id, name: id }`), since development tokens may name anyone. Search: a
 * case-insensitive prefix of the id, or of any word of the name, the requester left out.
 *
 * @example
 * createChatServer({ server, store, authenticate, users: demoUserDirectory() });
 */
export function demoUserDirectory(users?: readonly UserProfile[]): UserDirectory {
  const list = users ?? BUILT_IN;
  const byId = new Map(list.map((user) => [user.id, user]));
  const anyone = users === undefined;
  return {
    async resolve(ids) {
      return ids.flatMap((id) => {
        const user = byId.get(id);
        if (user) return [user];
        return anyone ? [{ id, name: id }] : [];
      });
    },
    async search(query, { requester, limit }) {
      const q = query.trim().toLowerCase();
      if (!q) return [];
      const matches = (user: UserProfile) =>
        user.id.toLowerCase().startsWith(q) || (user.name ?? '').toLowerCase().startsWith(q) || (user.name ?? '').toLowerCase().split(/[\s\-_.]+/).some((word) => word.startsWith(q));
      return list
        .filter((user) => user.id !== requester && matches(user))
        .sort((a, b) => (a.name ?? a.id).localeCompare(b.name ?? b.id))
        .slice(0, limit);
    },
  };
}

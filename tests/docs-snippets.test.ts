import { execFileSync } from 'node:child_process';
import { mkdirSync, readFileSync, readdirSync, rmSync, writeFileSync } from 'node:fs';
import { join, relative } from 'node:path';
import { fileURLToPath } from 'node:url';
import { describe, expect, it } from 'vitest';

const ROOT = fileURLToPath(new URL('..', import.meta.url));
const OUT = join(ROOT, 'tests', '.snippets');

/** Markdown files whose TypeScript snippets must compile. */
function markdownFiles(): string[] {
  const docs = readdirSync(join(ROOT, 'docs')).filter((f) => f.endsWith('.md')).map((f) => join(ROOT, 'docs', f));
  const packages = readdirSync(join(ROOT, 'packages')).map((p) => join(ROOT, 'packages', p, 'README.md'));
  return [join(ROOT, 'README.md'), ...docs, ...packages].filter((f) => {
    try {
      readFileSync(f);
      return true;
    } catch {
      return false;
    }
  });
}

interface Snippet {
  source: string;
  line: number;
  file: string;
  code: string;
  tsx: boolean;
}

function snippets(): Snippet[] {
  const out: Snippet[] = [];
  for (const file of markdownFiles()) {
    const lines = readFileSync(file, 'utf8').split('\n');
    for (let i = 0; i < lines.length; i++) {
      const open = /^```(ts|tsx|typescript)\s*$/.exec(lines[i]!);
      if (!open) continue;
      const start = i + 1;
      let end = start;
      while (end < lines.length && !lines[end]!.startsWith('```')) end++;
      out.push({
        source: relative(ROOT, file),
        line: start + 1,
        file: `${relative(ROOT, file).replace(/[/.]/g, '_')}_${start + 1}.${open[1] === 'tsx' ? 'tsx' : 'ts'}`,
        code: lines.slice(start, end).join('\n'),
        tsx: open[1] === 'tsx',
      });
      i = end;
    }
  }
  return out;
}

// What snippets may use without defining: the things a reader already has in their app.
const PRELUDE = `
import type { Server } from 'node:http';
import type { ChatStore, Authenticate } from '@parley/server-sdk';
import type { ChatClient } from '@parley/client-sdk';
declare global {
  const server: Server;
  const store: ChatStore;
  const authenticate: Authenticate;
  const token: string;
  const chat: ChatClient;
  const conversationId: string;
  const secret: string;
  const url: string;
  const userId: string;
  const id: string;
  const auth: { currentToken(): Promise<string> };
  function getToken(): Promise<string>;
  function fetchToken(userId: string): Promise<string>;
  function render(snapshot: unknown): void;
}
export {};
`;

describe('documentation snippets', () => {
  it('every TypeScript snippet in the README, docs/ and package READMEs compiles', () => {
    const all = snippets();
    expect(all.length).toBeGreaterThan(10);
    rmSync(OUT, { recursive: true, force: true });
    mkdirSync(OUT, { recursive: true });
    writeFileSync(join(OUT, 'prelude.d.ts'), PRELUDE);
    // Each snippet is its own module, so snippets never see each other's declarations.
    for (const s of all) writeFileSync(join(OUT, s.file), `${s.code}\nexport {};\n`);
    writeFileSync(
      join(OUT, 'tsconfig.json'),
      JSON.stringify({ extends: '../../tsconfig.base.json', compilerOptions: { noUnusedLocals: false }, include: ['*.ts', '*.tsx'] }),
    );
    let output = '';
    try {
      execFileSync(process.execPath, [join(ROOT, 'node_modules/typescript/bin/tsc'), '-p', join(OUT, 'tsconfig.json')], {
        cwd: ROOT,
        encoding: 'utf8',
      });
    } catch (err) {
      output = String((err as { stdout?: string }).stdout ?? err);
    }
    // Point each error at the markdown file and line it came from.
    const located = output.replace(/tests\/\.snippets\/(\S+?)\((\d+),(\d+)\)/g, (_m, file: string, line: string) => {
      const s = all.find((x) => x.file === file);
      return s ? `${s.source}:${s.line + Number(line) - 1}` : `${file}:${line}`;
    });
    expect(located).toBe('');
  }, 120_000);
});

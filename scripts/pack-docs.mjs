// Runs as `prepack` in each published package: the guides its README links to (docs/*.md) go
// into the tarball, so the links resolve for someone reading the installed package.
import { cpSync, mkdirSync, readdirSync, rmSync } from 'node:fs';
import { join } from 'node:path';

const source = new URL('../docs/', import.meta.url);
const target = join(process.cwd(), 'docs');
rmSync(target, { recursive: true, force: true });
mkdirSync(target);
for (const file of readdirSync(source)) if (file.endsWith('.md')) cpSync(new URL(file, source), join(target, file));

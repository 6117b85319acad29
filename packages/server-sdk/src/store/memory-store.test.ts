import { runStoreConformance } from '../testing/conformance.js';
import { createMemoryStore } from './memory-store.js';

runStoreConformance('memory', async () => ({ store: createMemoryStore() }));

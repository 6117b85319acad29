import { memoryForeignWriter } from '../../test/support/foreign-events.js';
import { runStoreConformance } from '../testing/conformance.js';
import { createMemoryStore } from './memory-store.js';

runStoreConformance('memory', async () => {
  const store = createMemoryStore();
  return { store, writeForeignEvent: memoryForeignWriter(store) };
});

/** Runs the Store conformance suite on memory stores (default and squeezed sizes). */
import { runStorageSuite } from './storage.suite.ts';
import { TINY, memoryFactory } from '../helpers/stores.ts';

runStorageSuite('memory', memoryFactory(), { reopen: false });
runStorageSuite('memory, tiny blocks and memtable, no cache', memoryFactory(TINY), { reopen: false });

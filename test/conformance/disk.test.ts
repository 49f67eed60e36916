/** Runs the Store conformance suite on disk stores (default and squeezed sizes). */
import { runStorageSuite } from './storage.suite.ts';
import { TINY, diskFactory } from '../helpers/stores.ts';

runStorageSuite('disk', diskFactory(), { reopen: true });
runStorageSuite('disk, tiny blocks and memtable, no cache', diskFactory(TINY), { reopen: true });

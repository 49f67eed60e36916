/**
 * Every workload, in table row order: writes (each on fresh stores), then
 * reads (on one loaded store per target, see fixture.ts).
 */
import { getConcurrent, getMany, getOne, scan1000 } from './reads.ts';
import type { AnyWorkload } from './workload.ts';
import { batch1000, putRelaxed, putSync, putSyncConcurrent } from './writes.ts';

export const WORKLOADS: readonly AnyWorkload[] = [putRelaxed, putSync, putSyncConcurrent, batch1000, getOne, getConcurrent, getMany, scan1000];

/**
 * Every benchmark target, in table column order. Raw classic-level is
 * first: it is the floor every ratio is computed against.
 */
import { classicLevel } from './classic-level.ts';
import { lmdb } from './lmdb.ts';
import { sqlcipher } from './sqlcipher.ts';
import { synapsedDisk, synapsedMemory } from './synapsed.ts';
import type { TargetFactory } from './target.ts';

export const BASELINE = classicLevel.id;

export const TARGETS: readonly TargetFactory[] = [classicLevel, synapsedDisk, synapsedMemory, lmdb, sqlcipher];

/** The in-memory run store passes the RunStore contract its adapter passes (test/contract/run-store-contract.ts). */
import { runRunStoreContract } from '../contract/run-store-contract.js';
import { MemoryRunStore } from '../fakes/run-fakes.js';

runRunStoreContract('MemoryRunStore', async () => ({ store: new MemoryRunStore(), dispose: async () => undefined }));

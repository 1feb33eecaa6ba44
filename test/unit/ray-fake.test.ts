import { runRayJobsContract } from '../contract/ray-jobs-contract.js';
import { FakeRayJobs } from '../fakes/ray-fake.js';

runRayJobsContract('FakeRayJobs', async () => ({ jobs: new FakeRayJobs(), dispose: async () => {} }));

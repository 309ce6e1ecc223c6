import { storageDriverContract } from './driver-contract.js';
import { FakeStorageDriver } from './fake.js';

storageDriverContract('fake', (root) => new FakeStorageDriver(root));

import { startService } from '@mlc/service';
import { audit } from './service.js';

await startService(audit);

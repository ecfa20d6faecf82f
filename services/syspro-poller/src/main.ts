import { startService } from '@mlc/service';
import { sysproPoller } from './service.js';

await startService(sysproPoller);

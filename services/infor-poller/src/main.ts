import { startService } from '@mlc/service';
import { inforPoller } from './service.js';

await startService(inforPoller);

import { startService } from '@mlc/service';
import { consoleService } from './service.js';

await startService(consoleService);

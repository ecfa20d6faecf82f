import { startService } from '@mlc/service';
import { coupaGateway } from './service.js';

await startService(coupaGateway);

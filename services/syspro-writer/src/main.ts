import { runWriterService } from '@mlc/writer';
import { createSysproWriter } from './writer.js';

await runWriterService(createSysproWriter());

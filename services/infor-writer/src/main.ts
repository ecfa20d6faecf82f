import { runWriterService } from '@mlc/writer';
import { createInforWriter } from './writer.js';

await runWriterService(createInforWriter());

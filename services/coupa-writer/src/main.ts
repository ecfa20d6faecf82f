import { runWriterService } from '@mlc/writer';
import { coupaWriter } from './writer.js';

await runWriterService(coupaWriter);

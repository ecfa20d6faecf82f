import { runWriterService } from '@mlc/writer';
import { inforWriter } from './writer.js';

await runWriterService(inforWriter);

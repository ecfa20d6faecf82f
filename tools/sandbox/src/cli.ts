// `npm run sandbox [-- --seed N --suppliers N --po-lines N --syspro-port 4010 --coupa-port 4020
//  --infor-port 4030 --host 127.0.0.1 --public-host name --out .sandbox]`: the three simulators on fixed ports until
// SIGINT/SIGTERM, plus the .ionapi and connections files ml-connector's services read.
import { parseArgs } from 'node:util';
import { startSandbox } from './sandbox.js';

const { values } = parseArgs({
  options: {
    seed: { type: 'string', default: '1' },
    suppliers: { type: 'string' },
    'purchase-orders': { type: 'string' },
    'po-lines': { type: 'string' },
    'syspro-port': { type: 'string', default: '4010' },
    'coupa-port': { type: 'string', default: '4020' },
    'infor-port': { type: 'string', default: '4030' },
    host: { type: 'string', default: '127.0.0.1' },
    'public-host': { type: 'string' },
    out: { type: 'string', default: '.sandbox' },
    help: { type: 'boolean', short: 'h', default: false },
  },
  strict: true,
});

if (values.help) {
  console.log(
    'usage: npm run sandbox -- [--seed N] [--suppliers N] [--purchase-orders N] [--po-lines N]\n' +
      '       [--syspro-port 4010] [--coupa-port 4020] [--infor-port 4030] [--host 127.0.0.1] [--out .sandbox]\n' +
      '       [--public-host NAME]   host written into the files when clients reach the sandbox by another name',
  );
  process.exit(0);
}

function integer(name: string, raw: string | undefined, min: number): number | undefined {
  if (raw === undefined) return undefined;
  const n = Number(raw);
  if (!Number.isInteger(n) || n < min) {
    console.error(`--${name} must be an integer >= ${min} (got ${raw})`);
    process.exit(2);
  }
  return n;
}

const sandbox = await startSandbox({
  seed: integer('seed', values.seed, 0),
  host: values.host,
  ...(values['public-host'] !== undefined ? { publicHost: values['public-host'] } : {}),
  ports: {
    syspro: integer('syspro-port', values['syspro-port'], 0),
    coupa: integer('coupa-port', values['coupa-port'], 0),
    infor: integer('infor-port', values['infor-port'], 0),
  },
  sizes: {
    suppliers: integer('suppliers', values.suppliers, 1),
    purchaseOrders: integer('purchase-orders', values['purchase-orders'], 0),
    poLines: integer('po-lines', values['po-lines'], 1),
  },
  outDir: values.out,
});

const [connection] = sandbox.connections.connections;
const { syspro, coupa } = connection!;
console.log(`SYSPRO  ${sandbox.syspro.url}
  OData  ${syspro?.odata.url}/${syspro?.odata.company}   Basic ${syspro?.odata.username} / ${syspro?.odata.password}
  e.net  ${syspro?.enet?.url}   operator ${syspro?.enet?.operator} / ${syspro?.enet?.operatorPassword}, company ${syspro?.enet?.companyId}
Coupa   ${sandbox.coupa.url}
  OAuth  ${sandbox.coupa.credentials.tokenUrl}   client ${coupa?.clientId} / ${coupa?.clientSecret}
  call-outs signed with HMAC secret ${coupa?.webhook.hmacSecret} (${coupa?.webhook.signatureHeader})
Infor   ${sandbox.infor.url}   tenant ${sandbox.infor.ionapi.ti}, CONO ${sandbox.infor.state.company}, DIVI ${sandbox.infor.state.division}
  token  ${sandbox.infor.ionapi.pu}${sandbox.infor.ionapi.ot}   client ${sandbox.infor.ionapi.ci} / ${sandbox.infor.ionapi.cs}
         service account ${sandbox.infor.ionapi.saak} / ${sandbox.infor.ionapi.sask}
  M3     ${sandbox.infor.ionapi.iu}/${sandbox.infor.ionapi.ti}/M3/m3api-rest/v2/execute
Files   ${sandbox.files?.ionapi}
        ${sandbox.files?.connections}
Admin   each server: /_sandbox/faults, /_sandbox/requests, /_sandbox/state/… (see tools/sandbox/README.md)
Ctrl-C stops the sandbox.`);

let stopping = false;
const stop = (signal: string) => {
  if (stopping) return;
  stopping = true;
  console.log(`${signal}: stopping the sandbox`);
  sandbox.close().then(
    () => process.exit(0),
    (error: unknown) => {
      console.error('the sandbox did not close cleanly', error);
      process.exit(1);
    },
  );
};
process.on('SIGINT', () => stop('SIGINT'));
process.on('SIGTERM', () => stop('SIGTERM'));

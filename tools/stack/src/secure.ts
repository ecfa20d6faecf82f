import { randomBytes } from 'node:crypto';
import { existsSync, mkdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import kafkajs from 'kafkajs';
import { brokerIds, brokerPorts, type StackConfig } from './config.js';
import type { Properties } from './properties.js';
import { run } from './process.js';

const { Kafka, logLevel } = kafkajs;

/** SASL users of the secure listener: SCRAM (SHA-256 and SHA-512) and PLAIN, one each. */
export const SCRAM_USER = 'mlcscram';
export const PLAIN_USER = 'mlcplain';

/**
 * The secure listeners' files under `.stack/kafka/secure`: a CA, the broker's key and certificate
 * (PEM keystore), a client certificate for mTLS, and the users' passwords, one file each (what a
 * mounted Kubernetes Secret looks like, so tests can use the `_FILE` variables).
 */
export function securePaths(config: StackConfig) {
  const dir = join(config.stackDir, 'kafka', 'secure');
  return {
    dir,
    caCert: join(dir, 'ca.pem'),
    caKey: join(dir, 'ca-key.pem'),
    /** Broker keystore: its private key, then its certificate and the CA (Kafka's PEM keystore format). */
    brokerKeystore: join(dir, 'broker-keystore.pem'),
    /** The broker's certificate alone, and its key: for tests that serve TLS with the same CA (the registry proxy). */
    serverCert: join(dir, 'broker-cert.pem'),
    serverKey: join(dir, 'broker-key.pem'),
    clientCert: join(dir, 'client-cert.pem'),
    clientKey: join(dir, 'client-key.pem'),
    scramPassword: join(dir, `${SCRAM_USER}.password`),
    plainPassword: join(dir, `${PLAIN_USER}.password`),
  };
}

function openssl(args: string[]): void {
  run('openssl', args);
}

/**
 * A CA, a server certificate for 127.0.0.1/localhost and a client certificate, made once with
 * openssl (RSA 2048, ten years: a local stack must not break on a date). Existing files are kept,
 * so clients that trust the CA keep working across restarts.
 */
export function prepareSecureFiles(config: StackConfig): { created: boolean } {
  const p = securePaths(config);
  if ([p.caCert, p.brokerKeystore, p.clientCert, p.clientKey, p.scramPassword, p.plainPassword].every((f) => existsSync(f))) return { created: false };
  rmSync(p.dir, { recursive: true, force: true });
  mkdirSync(p.dir, { recursive: true, mode: 0o700 });
  const days = '3650';
  openssl(['req', '-x509', '-newkey', 'rsa:2048', '-nodes', '-keyout', p.caKey, '-out', p.caCert, '-days', days, '-subj', '/CN=mlc-stack-ca',
    '-addext', 'basicConstraints=critical,CA:TRUE', '-addext', 'keyUsage=critical,keyCertSign,cRLSign']);
  const sign = (name: string, subject: string, extensions: string, keyFile: string, certFile: string) => {
    const csr = join(p.dir, `${name}.csr`);
    const ext = join(p.dir, `${name}.ext`);
    writeFileSync(ext, `${extensions}\n`);
    openssl(['req', '-newkey', 'rsa:2048', '-nodes', '-keyout', keyFile, '-out', csr, '-subj', subject]);
    openssl(['x509', '-req', '-in', csr, '-CA', p.caCert, '-CAkey', p.caKey, '-CAcreateserial', '-out', certFile, '-days', days, '-extfile', ext]);
    rmSync(csr);
    rmSync(ext);
  };
  sign('broker', '/CN=localhost', 'subjectAltName=IP:127.0.0.1,DNS:localhost\nextendedKeyUsage=serverAuth', p.serverKey, p.serverCert);
  sign('client', '/CN=mlc-client', 'extendedKeyUsage=clientAuth', p.clientKey, p.clientCert);
  writeFileSync(p.brokerKeystore, [p.serverKey, p.serverCert, p.caCert].map((f) => readFileSync(f, 'utf8')).join(''), { mode: 0o600 });
  writeFileSync(p.scramPassword, `${randomBytes(18).toString('hex')}\n`, { mode: 0o600 });
  writeFileSync(p.plainPassword, `${randomBytes(18).toString('hex')}\n`, { mode: 0o600 });
  return { created: true };
}

const password = (file: string) => readFileSync(file, 'utf8').trim();

/**
 * Two more listeners on the same broker: SASL_SSL (PLAIN, SCRAM-SHA-256, SCRAM-SHA-512) and SSL
 * with required client certificates (mTLS). The PLAINTEXT listener stays as it is for services and
 * tests. PLAIN users live in the JAAS line; SCRAM users in the cluster metadata (`ensureScramUser`).
 */
export function secureListenerProperties(config: StackConfig): Properties {
  const p = securePaths(config);
  return {
    'sasl.enabled.mechanisms': 'PLAIN,SCRAM-SHA-256,SCRAM-SHA-512',
    'listener.name.sasl_ssl.plain.sasl.jaas.config': `org.apache.kafka.common.security.plain.PlainLoginModule required user_${PLAIN_USER}="${password(p.plainPassword)}";`,
    'listener.name.sasl_ssl.scram-sha-256.sasl.jaas.config': 'org.apache.kafka.common.security.scram.ScramLoginModule required;',
    'listener.name.sasl_ssl.scram-sha-512.sasl.jaas.config': 'org.apache.kafka.common.security.scram.ScramLoginModule required;',
    'ssl.keystore.type': 'PEM',
    'ssl.keystore.location': p.brokerKeystore,
    'ssl.truststore.type': 'PEM',
    'ssl.truststore.location': p.caCert,
    'listener.name.ssl.ssl.client.auth': 'required',
  };
}

export interface SecureAddresses {
  /** SASL_SSL listener, `127.0.0.1:<port>` (every broker's, comma-separated, in a cluster). */
  saslSsl: string;
  /** SSL listener with required client certificates (every broker's in a cluster). */
  mtls: string;
  /** Where the CA, client certificate and password files are. */
  dir: string;
}

export function secureAddresses(config: StackConfig): SecureAddresses {
  const list = (port: (id: number) => number) =>
    brokerIds(config)
      .map((id) => `127.0.0.1:${port(id)}`)
      .join(',');
  return {
    saslSsl: list((id) => brokerPorts(config, id).saslSslPort),
    mtls: list((id) => brokerPorts(config, id).mtlsPort),
    dir: securePaths(config).dir,
  };
}

async function scramLoginWorks(config: StackConfig): Promise<boolean> {
  const p = securePaths(config);
  const admin = new Kafka({
    clientId: 'mlc-stack-secure',
    brokers: secureAddresses(config).saslSsl.split(','),
    ssl: { ca: [readFileSync(p.caCert, 'utf8')] },
    sasl: { mechanism: 'scram-sha-512', username: SCRAM_USER, password: password(p.scramPassword) },
    logLevel: logLevel.NOTHING,
    connectionTimeout: 3_000,
    retry: { retries: 1 },
  }).admin();
  try {
    await admin.connect();
    await admin.listTopics();
    return true;
  } catch {
    return false;
  } finally {
    await admin.disconnect().catch(() => undefined);
  }
}

/**
 * Makes sure the SCRAM user can log in on the SASL_SSL listener, creating its credentials once per
 * data directory (a small Java program over the Admin API, through the PLAINTEXT listener).
 * Resolves false when the listener is not there: a broker started before this listener existed
 * keeps running without it until `down` and `up`.
 */
export async function ensureScramUser(config: StackConfig, kafkaLibs: string): Promise<boolean> {
  if (await scramLoginWorks(config)) return true;
  const program = join(config.repoRoot, 'tools', 'stack', 'kafka', 'ScramUsers.java');
  try {
    run(config.java, ['-cp', join(kafkaLibs, '*'), program, brokerIds(config).map((id) => `127.0.0.1:${brokerPorts(config, id).port}`).join(','), SCRAM_USER, securePaths(config).scramPassword]);
  } catch {
    return false;
  }
  return scramLoginWorks(config);
}

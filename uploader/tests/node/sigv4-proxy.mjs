// SPDX-License-Identifier: LGPL-2.1-or-later
//
// The S3 endpoint coroner-upload's tests talk to: s3rver (a real
// S3-compatible server, which does not check V4 signatures: its source says
// so) behind this proxy, which does.  For every request it recomputes the AWS
// Signature Version 4 with the known secret, from the request as it arrived,
// and refuses with S3's own error codes:
//
//   no or malformed Authorization       403 AccessDenied / 400 AuthorizationHeaderMalformed
//   another access key                  403 InvalidAccessKeyId
//   another region or service           400 AuthorizationHeaderMalformed
//   x-amz-date missing, unsigned, stale 403 AccessDenied / RequestTimeTooSkewed
//   host, x-amz-date, x-amz-content-sha256 or any x-amz-* header unsigned
//                                       403 AccessDenied
//   a body whose SHA-256 is not x-amz-content-sha256
//                                       400 XAmzContentSHA256Mismatch
//   a signature that does not match     403 SignatureDoesNotMatch
//
// UNSIGNED-PAYLOAD is accepted only with --allow-unsigned-payload.  What
// passes goes to s3rver unchanged.  Every request is logged as one JSON line
// (--log): method, path, query, verdict, status, body size and SHA-256.
//
// With --tamper=body or --tamper=header it is instead a plain forwarder that
// changes one body byte, or adds an unsigned x-amz-meta header, on the way:
// what a man in the middle would do, for the verifier to catch.
//
// Usage: node sigv4-proxy.mjs --port-file=F --log=F --region=R --access-key=K
//          --secret-file=F --data=DIR [--allow-unsigned-payload]
//        node sigv4-proxy.mjs --tamper=body|header --port-file=F --upstream=http://127.0.0.1:P

import { createHash, createHmac, timingSafeEqual } from 'node:crypto';
import { appendFileSync, readFileSync, writeFileSync } from 'node:fs';
import http from 'node:http';

const args = Object.fromEntries(
  process.argv.slice(2).map((a) => {
    const m = /^--([^=]+)(?:=(.*))?$/.exec(a);
    if (!m) throw new Error(`bad argument ${a}`);
    return [m[1], m[2] ?? true];
  }),
);
const MAX_BODY = 256 * 1024 * 1024;

function log(entry) {
  if (args.log) appendFileSync(args.log, JSON.stringify(entry) + '\n');
}

function s3Error(res, status, code, message, extra = {}) {
  const body =
    '<?xml version="1.0" encoding="UTF-8"?>\n<Error><Code>' + code + '</Code><Message>' +
    message.replace(/&/g, '&amp;').replace(/</g, '&lt;') + '</Message>' +
    Object.entries(extra).map(([k, v]) => `<${k}>${v}</${k}>`).join('') + '</Error>';
  res.writeHead(status, { 'Content-Type': 'application/xml', 'Content-Length': Buffer.byteLength(body) });
  res.end(body);
  return { status, code };
}

// RFC 3986 encoding as SigV4 wants it: everything but A-Za-z0-9-._~ as %XX (upper case).
function uriEncode(s, keepSlash) {
  let out = '';
  for (const byte of Buffer.from(s, 'utf8')) {
    const c = String.fromCharCode(byte);
    if (/[A-Za-z0-9\-._~]/.test(c) || (keepSlash && c === '/')) out += c;
    else out += '%' + byte.toString(16).toUpperCase().padStart(2, '0');
  }
  return out;
}

function decode(s) {
  try {
    return decodeURIComponent(s.replace(/\+/g, '%20'));
  } catch {
    return s;
  }
}

function canonicalQuery(query) {
  if (!query) return '';
  return query
    .split('&')
    .filter((p) => p.length)
    .map((p) => {
      const i = p.indexOf('=');
      const k = i < 0 ? p : p.slice(0, i);
      const v = i < 0 ? '' : p.slice(i + 1);
      return [uriEncode(decode(k)), uriEncode(decode(v))];
    })
    .sort((a, b) => (a[0] < b[0] ? -1 : a[0] > b[0] ? 1 : a[1] < b[1] ? -1 : a[1] > b[1] ? 1 : 0))
    .map(([k, v]) => `${k}=${v}`)
    .join('&');
}

function hmac(key, data) {
  return createHmac('sha256', key).update(data).digest();
}

// Returns null when the request is genuine, else the refusal already sent.
function verify(req, body, res) {
  const secret = readFileSync(args['secret-file'], 'utf8').trim();
  const auth = req.headers.authorization;
  if (!auth) return s3Error(res, 403, 'AccessDenied', 'Anonymous access is not allowed');
  const m = /^AWS4-HMAC-SHA256 Credential=([^,\s]+),\s*SignedHeaders=([^,\s]+),\s*Signature=([0-9a-f]{64})$/.exec(auth);
  if (!m) return s3Error(res, 400, 'AuthorizationHeaderMalformed', `Malformed Authorization header: ${auth}`);
  const [, credential, signedHeaderList, signature] = m;
  const [accessKey, date, region, service, terminator, ...rest] = credential.split('/');
  if (rest.length || terminator !== 'aws4_request')
    return s3Error(res, 400, 'AuthorizationHeaderMalformed', `Malformed credential scope ${credential}`);
  if (accessKey !== args['access-key'])
    return s3Error(res, 403, 'InvalidAccessKeyId', 'The AWS Access Key Id you provided does not exist in our records.');
  if (region !== args.region)
    return s3Error(res, 400, 'AuthorizationHeaderMalformed',
      `The authorization header is malformed; the region '${region}' is wrong; expecting '${args.region}'`,
      { Region: args.region });
  if (service !== 's3')
    return s3Error(res, 400, 'AuthorizationHeaderMalformed', `The service '${service}' is wrong; expecting 's3'`);

  const signed = signedHeaderList.split(';');
  const sorted = [...signed].sort();
  if (signed.join(';') !== sorted.join(';'))
    return s3Error(res, 400, 'AuthorizationHeaderMalformed', 'SignedHeaders are not sorted');
  for (const must of ['host', 'x-amz-date', 'x-amz-content-sha256'])
    if (!signed.includes(must))
      return s3Error(res, 403, 'AccessDenied', `Header ${must} must be signed`);
  for (const name of Object.keys(req.headers))
    if ((name.startsWith('x-amz-') || name === 'content-md5') && !signed.includes(name))
      return s3Error(res, 403, 'AccessDenied', `There were headers present in the request which were not signed: ${name}`);

  const amzDate = req.headers['x-amz-date'];
  const dm = /^(\d{8})T(\d{2})(\d{2})(\d{2})Z$/.exec(amzDate || '');
  if (!dm || dm[1] !== date)
    return s3Error(res, 403, 'AccessDenied', `x-amz-date ${amzDate} does not match the credential date ${date}`);
  const when = Date.UTC(+dm[1].slice(0, 4), +dm[1].slice(4, 6) - 1, +dm[1].slice(6, 8), +dm[2], +dm[3], +dm[4]);
  if (Math.abs(Date.now() - when) > 15 * 60 * 1000)
    return s3Error(res, 403, 'RequestTimeTooSkewed', 'The difference between the request time and the current time is too large.');

  const payloadHash = req.headers['x-amz-content-sha256'];
  const bodyHash = createHash('sha256').update(body).digest('hex');
  if (payloadHash === 'UNSIGNED-PAYLOAD') {
    if (!args['allow-unsigned-payload'])
      return s3Error(res, 403, 'AccessDenied', 'UNSIGNED-PAYLOAD is not accepted here');
  } else if (!/^[0-9a-f]{64}$/.test(payloadHash || '')) {
    return s3Error(res, 400, 'InvalidArgument', `x-amz-content-sha256 must be a SHA-256, not ${payloadHash}`);
  } else if (payloadHash !== bodyHash) {
    return s3Error(res, 400, 'XAmzContentSHA256Mismatch',
      "The provided 'x-amz-content-sha256' header does not match what was computed.",
      { ClientComputedContentSHA256: payloadHash, S3ComputedContentSHA256: bodyHash });
  }

  const qi = req.url.indexOf('?');
  const path = qi < 0 ? req.url : req.url.slice(0, qi);
  const query = qi < 0 ? '' : req.url.slice(qi + 1);
  const canonicalUri = path.split('/').map((seg) => uriEncode(decode(seg), false)).join('/');
  const headerLines = signed.map((name) => {
    const raw = req.headersDistinct[name];
    if (!raw) return `${name}:`;
    return `${name}:${raw.map((v) => v.trim().replace(/\s+/g, ' ')).join(',')}`;
  });
  const canonicalRequest = [req.method, canonicalUri, canonicalQuery(query), headerLines.join('\n') + '\n',
    signedHeaderList, payloadHash].join('\n');
  const scope = `${date}/${region}/${service}/aws4_request`;
  const stringToSign = ['AWS4-HMAC-SHA256', amzDate, scope,
    createHash('sha256').update(canonicalRequest).digest('hex')].join('\n');
  const key = hmac(hmac(hmac(hmac('AWS4' + secret, date), region), service), 'aws4_request');
  const expected = hmac(key, stringToSign);
  if (!timingSafeEqual(expected, Buffer.from(signature, 'hex')))
    return s3Error(res, 403, 'SignatureDoesNotMatch',
      'The request signature we calculated does not match the signature you provided. Check your key and signing method.',
      { CanonicalRequest: canonicalRequest.replace(/&/g, '&amp;').replace(/</g, '&lt;') });
  return null;
}

function readBody(req) {
  return new Promise((resolve, reject) => {
    const chunks = [];
    let size = 0;
    req.on('data', (c) => {
      size += c.length;
      if (size > MAX_BODY) {
        reject(new Error('body too large'));
        req.destroy();
        return;
      }
      chunks.push(c);
    });
    req.on('end', () => resolve(Buffer.concat(chunks)));
    req.on('error', reject);
  });
}

function forward(req, body, res, upstream, extraHeaders = {}) {
  return new Promise((resolve) => {
    const headers = { ...req.headers, ...extraHeaders, 'content-length': String(body.length) };
    delete headers['transfer-encoding'];
    delete headers.expect;
    const u = new URL(upstream);
    const out = http.request(
      { host: u.hostname, port: u.port, method: req.method, path: req.url, headers },
      (up) => {
        res.writeHead(up.statusCode, up.headers);
        up.pipe(res);
        up.on('end', () => resolve(up.statusCode));
      },
    );
    out.on('error', (e) => {
      s3Error(res, 502, 'BadGateway', String(e));
      resolve(502);
    });
    out.end(body);
  });
}

async function startVerifier() {
  const { default: S3rver } = await import('s3rver');
  const s3rver = new S3rver({ address: '127.0.0.1', port: 0, silent: true, directory: args.data,
    configureBuckets: [{ name: args.bucket || 'crashes' }] });
  const { port: s3port } = await s3rver.run();
  const upstream = `http://127.0.0.1:${s3port}`;
  return async (req, res) => {
    const body = await readBody(req);
    const entry = { method: req.method, url: req.url, bytes: body.length,
      sha256: createHash('sha256').update(body).digest('hex') };
    const refused = verify(req, body, res);
    if (refused) {
      log({ ...entry, verdict: 'refused', ...refused });
      return;
    }
    const status = await forward(req, body, res, upstream);
    log({ ...entry, verdict: 'ok', status });
  };
}

function startTamper() {
  return async (req, res) => {
    let body = await readBody(req);
    const extra = {};
    if (args.tamper === 'body' && body.length > 0) {
      body = Buffer.from(body);
      body[body.length >> 1] ^= 0xff;
    } else if (args.tamper === 'header') {
      extra['x-amz-meta-injected'] = 'yes';
    }
    await forward(req, body, res, args.upstream, extra);
  };
}

const handler = args.tamper ? startTamper() : await startVerifier();
const server = http.createServer((req, res) => {
  handler(req, res).catch((e) => {
    if (!res.headersSent) s3Error(res, 500, 'InternalError', String(e));
  });
});
server.requestTimeout = 0;
server.listen(Number(args.port || 0), '127.0.0.1', () => {
  if (args['port-file']) writeFileSync(args['port-file'], String(server.address().port));
});
for (const sig of ['SIGTERM', 'SIGINT']) process.on(sig, () => process.exit(0));

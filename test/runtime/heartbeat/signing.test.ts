/**
 * moto does not check signatures, so the one part of the heartbeat's AWS client that is ours, the SHA-256 the
 * signer is given (on Node.js's crypto), is checked against the worked example of the AWS documentation:
 * "Create a signed AWS API request" / Signature Version 4 examples (IAM ListUsers, 20150830T123600Z, us-east-1,
 * the documentation's example key), https://docs.aws.amazon.com/IAM/latest/UserGuide/reference_sigv-create-signed-request.html
 */
// eslint-disable-next-line import/no-extraneous-dependencies
import { SignatureV4 } from '@smithy/signature-v4';
import { Sha256 } from '../../../src/runtime/heartbeat/aws-client';

test('the documented SigV4 example signs to the documented signature', async () => {
  const signer = new SignatureV4({
    service: 'iam',
    region: 'us-east-1',
    sha256: Sha256 as any,
    // The documented example signs no payload-hash header (the client also sends x-amz-content-sha256, which
    // every service accepts; see the next test).
    applyChecksum: false,
    credentials: { accessKeyId: 'AKIDEXAMPLE', secretAccessKey: 'wJalrXUtnFEMI/K7MDENG+bPxRfiCYEXAMPLEKEY' },
  });
  const signed: any = await signer.sign({
    method: 'GET',
    protocol: 'https:',
    hostname: 'iam.amazonaws.com',
    path: '/',
    query: { Action: 'ListUsers', Version: '2010-05-08' },
    headers: { 'host': 'iam.amazonaws.com', 'content-type': 'application/x-www-form-urlencoded; charset=utf-8' },
  } as any, { signingDate: new Date('2015-08-30T12:36:00Z') });
  expect(signed.headers.authorization).toBe('AWS4-HMAC-SHA256 Credential=AKIDEXAMPLE/20150830/us-east-1/iam/aws4_request, '
    + 'SignedHeaders=content-type;host;x-amz-date, Signature=5d672d79c15b13162d9279b0855cfba6789a8edb4c82c400e06b5924a6f2b5d7');
});

test('the payload hash our SHA-256 gives the signer is the SHA-256 of the body (empty body: the documented constant)', async () => {
  const signer = new SignatureV4({ service: 'dynamodb', region: 'eu-west-1', sha256: Sha256 as any, credentials: { accessKeyId: 'AKIDEXAMPLE', secretAccessKey: 'x' } });
  const empty: any = await signer.sign({ method: 'POST', protocol: 'https:', hostname: 'dynamodb.eu-west-1.amazonaws.com', path: '/', headers: { host: 'dynamodb.eu-west-1.amazonaws.com' }, body: '' } as any);
  expect(empty.headers['x-amz-content-sha256']).toBe('e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855');
  const abc: any = await signer.sign({ method: 'POST', protocol: 'https:', hostname: 'dynamodb.eu-west-1.amazonaws.com', path: '/', headers: { host: 'dynamodb.eu-west-1.amazonaws.com' }, body: 'abc' } as any);
  expect(abc.headers['x-amz-content-sha256']).toBe('ba7816bf8f01cfea414140de5dae2223b00361a396177a9cb410ff61f20015ad');
});

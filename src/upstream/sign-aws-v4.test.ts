import { describe, expect, it } from 'vitest';
import { amzDateOf, canonicalRequestOf, encodeS3Path, sha256Hex, signAwsV4 } from './sign-aws-v4.js';

// AWS's published examples: the Signature Version 4 test suite (`get-vanilla`, `get-utf8`) and the
// S3 API reference's header-signed examples (GET Object with a range, PUT Object). Their keys are
// AWS's own documentation placeholders.
const suite = {
  accessKeyId: 'AKIDEXAMPLE',
  secretAccessKey: 'wJalrXUtnFEMI/K7MDENG+bPxRfiCYEXAMPLEKEY',
  region: 'us-east-1',
  service: 'service',
};
const s3Example = {
  accessKeyId: 'AKIAIOSFODNN7EXAMPLE',
  secretAccessKey: 'wJalrXUtnFEMI/K7MDENG/bPxRfiCYEXAMPLEKEY',
  region: 'us-east-1',
  service: 's3',
};
const emptyHash = 'e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855';
const signatureOf = (authorization: string) => /Signature=([0-9a-f]{64})$/.exec(authorization)?.[1];

describe('signAwsV4', () => {
  it('signs the test suite’s get-vanilla request as AWS publishes it', () => {
    const request = {
      method: 'GET',
      path: '/',
      headers: { Host: 'example.amazonaws.com', 'X-Amz-Date': '20150830T123600Z' },
      payloadHash: sha256Hex(''),
    };
    expect(sha256Hex(canonicalRequestOf(request).text)).toBe(
      'bb579772317eb040ac9ed261061d46c1f17a8133879d6129b6e1c25292927e63',
    );
    expect(signAwsV4(request, suite, '20150830T123600Z')).toBe(
      'AWS4-HMAC-SHA256 Credential=AKIDEXAMPLE/20150830/us-east-1/service/aws4_request, SignedHeaders=host;x-amz-date, Signature=5fa00fa31553b73ebf1942676e86291e8372ff2a2260956d9b8aae1d763fbf31',
    );
  });

  it('signs get-utf8: a path with a non-ASCII character, encoded once', () => {
    const authorization = signAwsV4(
      {
        method: 'GET',
        path: encodeS3Path('/ሴ'),
        headers: { host: 'example.amazonaws.com', 'x-amz-date': '20150830T123600Z' },
        payloadHash: emptyHash,
      },
      suite,
      '20150830T123600Z',
    );
    expect(signatureOf(authorization)).toBe(
      '8318018e0b0f223aa2bbf98705b62bb787dc9c0e678f255a891fd03141be5d85',
    );
  });

  it('signs the S3 reference’s GET Object with a Range header', () => {
    const authorization = signAwsV4(
      {
        method: 'GET',
        path: '/test.txt',
        headers: {
          host: 'examplebucket.s3.amazonaws.com',
          range: 'bytes=0-9',
          'x-amz-content-sha256': emptyHash,
          'x-amz-date': '20130524T000000Z',
        },
        payloadHash: emptyHash,
      },
      s3Example,
      '20130524T000000Z',
    );
    expect(authorization).toBe(
      'AWS4-HMAC-SHA256 Credential=AKIAIOSFODNN7EXAMPLE/20130524/us-east-1/s3/aws4_request, SignedHeaders=host;range;x-amz-content-sha256;x-amz-date, Signature=f0e8bdb87c964420e857bd35b5d6ed310bd44f0170aba48dd91039c6036bdb41',
    );
  });

  it('signs the S3 reference’s PUT Object: a key with $ and a hashed body', () => {
    const payloadHash = sha256Hex(Buffer.from('Welcome to Amazon S3.'));
    expect(payloadHash).toBe('44ce7dd67c959e0d3524ffac1771dfbba87d2b6b4b4e99e42034a8b803f8b072');
    const request = {
      method: 'PUT',
      path: encodeS3Path('/test$file.text'),
      headers: {
        Date: 'Fri, 24 May 2013 00:00:00 GMT',
        Host: 'examplebucket.s3.amazonaws.com',
        'x-amz-content-sha256': payloadHash,
        'x-amz-date': '20130524T000000Z',
        'x-amz-storage-class': 'REDUCED_REDUNDANCY',
      },
      payloadHash,
    };
    expect(canonicalRequestOf(request).text).toBe(
      [
        'PUT',
        '/test%24file.text',
        '',
        'date:Fri, 24 May 2013 00:00:00 GMT',
        'host:examplebucket.s3.amazonaws.com',
        `x-amz-content-sha256:${payloadHash}`,
        'x-amz-date:20130524T000000Z',
        'x-amz-storage-class:REDUCED_REDUNDANCY',
        '',
        'date;host;x-amz-content-sha256;x-amz-date;x-amz-storage-class',
        payloadHash,
      ].join('\n'),
    );
    expect(signatureOf(signAwsV4(request, s3Example, '20130524T000000Z'))).toBe(
      '98ad721746da40c64f1a55b78f14c238d841ea1380cd77a1b5971af0ece108bd',
    );
  });

  it('trims header values and folds their inner runs of spaces', () => {
    const signed = (value: string) =>
      signAwsV4(
        { method: 'PUT', path: '/k', headers: { host: 'h', 'x-meta': value }, payloadHash: emptyHash },
        s3Example,
        '20130524T000000Z',
      );
    expect(signed('  a   b ')).toBe(signed('a b'));
    expect(signed('a b')).not.toBe(signed('ab'));
  });
});

describe('encodeS3Path', () => {
  it.each([
    ['gemgate/abc-DEF_0.9~.png', 'gemgate/abc-DEF_0.9~.png'],
    ['a b+c', 'a%20b%2Bc'],
    ["it's (1)*!", 'it%27s%20%281%29%2A%21'],
    ['100%/=&?#', '100%25/%3D%26%3F%23'],
    ['bilder/ü€', 'bilder/%C3%BC%E2%82%AC'],
    ['a//b/', 'a//b/'],
    ['\ud800', '%EF%BF%BD'],
  ])('encodes %j as %j', (key, path) => {
    expect(encodeS3Path(key)).toBe(path);
  });
});

describe('amzDateOf', () => {
  it('writes a time the compact way, in UTC, without milliseconds', () => {
    expect(amzDateOf(Date.UTC(2013, 4, 24, 0, 0, 0, 999))).toBe('20130524T000000Z');
    expect(amzDateOf(Date.UTC(2015, 7, 30, 12, 36, 0))).toBe('20150830T123600Z');
  });
});

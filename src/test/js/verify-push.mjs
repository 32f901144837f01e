// A push endpoint that checks Offload's signature with the standardwebhooks package (the
// Standard Webhooks reference library), not with any code of ours: run by http/ThirdPartyClientsIT.
// Usage: node verify-push.mjs <whsec_secret>. Prints "listening <port>", then answers each POST:
// 200 {"words": n} when the signature verifies, 401 with the library's message when it does not.
import http from 'node:http';
import {Webhook} from 'standardwebhooks';

const webhook = new Webhook(process.argv[2]);
const server = http.createServer((request, response) => {
  const chunks = [];
  request.on('data', chunk => chunks.push(chunk));
  request.on('end', () => {
    const body = Buffer.concat(chunks).toString('utf8');
    try {
      const job = webhook.verify(body, request.headers);
      const words = job.input.text.split(/\s+/).filter(Boolean).length;
      response.writeHead(200, {'Content-Type': 'application/json'});
      response.end(JSON.stringify({words, verifiedId: request.headers['webhook-id']}));
    } catch (e) {
      response.writeHead(401, {'Content-Type': 'application/problem+json'});
      response.end(JSON.stringify({title: 'Unauthorized', status: 401, detail: String(e.message)}));
    }
  });
});
server.listen(0, '127.0.0.1', () => console.log('listening ' + server.address().port));

// Real-world Express CORS setups for tests/test_audit_express.py, one route each.
// Prints the port it listens on (127.0.0.1, a free port) as its first line of output.
'use strict';
const express = require('express');
const cors = require('cors');

const app = express();
// Every request's method and URL, for the tests to check what the audit sent.
const seen = [];
app.get('/__seen', (req, res) => res.json(seen.splice(0)));
app.use((req, res, next) => { seen.push([req.method, req.url]); next(); });
const data = (req, res) => res.json({ path: req.path, apiKey: 'SECRET-not-for-reports' });

// The npm cors package, as its README shows it.
app.use('/defaults', cors());
app.use('/reflect', cors({ origin: true, credentials: true }));
app.use('/regex', cors({ origin: /website\.com$/, credentials: true }));
app.use('/array', cors({ origin: ['https://my.website.com'], credentials: true }));

// Hand-written middleware, as found in real code.
function handWritten(allowed, vary) {
  return (req, res, next) => {
    const origin = req.headers.origin;
    if (origin && allowed(origin)) {
      res.set('Access-Control-Allow-Origin', origin);
      res.set('Access-Control-Allow-Credentials', 'true');
    }
    if (vary) res.vary('Origin');
    if (req.method === 'OPTIONS') {
      if (origin && allowed(origin)) res.set('Access-Control-Allow-Methods', 'GET,POST');
      return res.sendStatus(204);
    }
    next();
  };
}
app.use('/indexof', handWritten((o) => o.indexOf('website.com') !== -1, false));
app.use('/endswith', handWritten((o) => o.endsWith('website.com'), true));

// A moved endpoint: the cors package answers the hop too.
app.use('/moved', cors(), (req, res) => res.redirect(301, '/defaults'));

for (const path of ['/defaults', '/reflect', '/regex', '/array', '/indexof', '/endswith']) {
  app.get(path, data);
}

const server = app.listen(0, '127.0.0.1', () => {
  process.stdout.write(`${server.address().port}\n`);
});
process.on('SIGTERM', () => server.close(() => process.exit(0)));

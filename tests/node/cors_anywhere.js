// A real cors-anywhere 0.4 proxy (npm `cors-anywhere`), as its README deploys it: no
// originWhitelist (every site may use it). For tests/test_audit_proxy.py; listens on
// 127.0.0.1 only and prints its port.
const corsAnywhere = require('cors-anywhere');

const server = corsAnywhere.createServer({ originWhitelist: [] });
server.listen(0, '127.0.0.1', () => {
  process.stdout.write(`${server.address().port}\n`);
});
process.on('SIGTERM', () => server.close(() => process.exit(0)));
